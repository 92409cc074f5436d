/**
 * Reading a request's body: JSON only, at most `bytesMax` bytes, and nothing a client sends
 * can make the agent buffer more than that or take on a prototype.
 *
 * - A declared `content-length` over the limit is refused before a byte is read; a body that
 *   grows past it while arriving is refused there and the rest is not kept (413).
 * - Any media type but `application/json` is a 415; an empty JSON body, or one that does not
 *   parse, a 400.
 * - `__proto__` anywhere, or `constructor` holding a `prototype`, is a 400 (as fastify's
 *   `secure-json-parse` answered): `JSON.parse` makes them plain own properties, but code that
 *   later copies or merges the body could still carry them into a prototype.
 */

import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';

/**
 * True when the request carries a body (a length above zero, or chunked), or says it does
 * (a content type): a JSON body declared and then empty is a 400, not a missing body.
 */
export function hasBody(raw: IncomingMessage): boolean {
  if (raw.headers['content-type'] !== undefined) return true;
  const length = raw.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return raw.headers['transfer-encoding'] !== undefined;
}

export async function readJsonBody(raw: IncomingMessage, bytesMax: number): Promise<unknown> {
  const type = raw.headers['content-type'];
  const media = type === undefined ? undefined : type.split(';', 1)[0]!.trim().toLowerCase();
  if (media !== 'application/json') {
    throw new HttpError(
      415,
      `Unsupported Media Type: ${media === undefined || media === '' ? 'none given' : media.slice(0, 100)}; the API takes application/json`,
    );
  }
  const declared = Number(raw.headers['content-length']);
  if (declared > bytesMax) throw tooLarge(bytesMax);
  const bytes = await collect(raw, bytesMax);
  if (bytes.length === 0) {
    throw new HttpError(400, "Body cannot be empty when content-type is set to 'application/json'");
  }
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(
      400,
      "Body is not valid JSON but content-type is set to 'application/json'",
    );
  }
  if ((text.includes('__proto__') || text.includes('prototype')) && poisoned(value)) {
    throw new HttpError(400, 'Body contains a forbidden prototype property');
  }
  return value;
}

function tooLarge(bytesMax: number): HttpError {
  return new HttpError(413, `Request body is too large (at most ${bytesMax} bytes)`);
}

function collect(raw: IncomingMessage, bytesMax: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null) => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('close', onClose);
      if (err === null) resolve(Buffer.concat(chunks, size));
      else reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > bytesMax) {
        chunks.length = 0;
        // The rest is discarded as it arrives (node:http dumps an unread body).
        done(tooLarge(bytesMax));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(null);
    const onError = (err: Error) => done(err);
    const onClose = () => done(new HttpError(400, 'the client closed the request mid-body'));
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('close', onClose);
  });
}

/** Iterative: a body 64 KiB deep in arrays must not overflow the stack. */
function poisoned(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (!Array.isArray(value)) {
      if (Object.hasOwn(value, '__proto__')) return true;
      const ctor: unknown = Object.hasOwn(value, 'constructor')
        ? (value as Record<string, unknown>).constructor
        : undefined;
      if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype'))
        return true;
    }
    for (const v of Object.values(value)) stack.push(v);
  }
  return false;
}
