/**
 * Payloads between JSON and bytes.
 *
 * Serf payloads are bytes. JSON carries text, so a request gives a payload either as
 * `payload` (a string, sent as its UTF-8 bytes) or as `payloadBase64` (any bytes), never
 * both; an answer gives `payload` when the bytes are valid UTF-8 (what people send, and what
 * they want to read) and `payloadBase64` otherwise, so no byte is lost or mangled.
 */

import { httpError } from './errors.ts';

/** Request fields that carry a payload. */
export interface PayloadFields {
  readonly payload?: string;
  readonly payloadBase64?: string;
}

/** Canonical base64 with padding: what `Buffer.from(…, 'base64')` would otherwise guess at. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(text: string): boolean {
  return BASE64.test(text);
}

/** The payload a request carries (empty when none); throws a 400 naming the field. */
export function payloadFrom(body: PayloadFields): Uint8Array {
  if (body.payload !== undefined && body.payloadBase64 !== undefined) {
    throw httpError(400, 'body/payloadBase64', 'must not be given together with payload');
  }
  if (body.payloadBase64 !== undefined) {
    if (!isBase64(body.payloadBase64)) {
      throw httpError(400, 'body/payloadBase64', 'must be padded base64 (RFC 4648)');
    }
    return new Uint8Array(Buffer.from(body.payloadBase64, 'base64'));
  }
  return new Uint8Array(Buffer.from(body.payload ?? '', 'utf8'));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `{payload}` when `bytes` are UTF-8, else `{payloadBase64}`. */
export function payloadJson(bytes: Uint8Array): { payload: string } | { payloadBase64: string } {
  try {
    return { payload: strictUtf8.decode(bytes) };
  } catch {
    return { payloadBase64: Buffer.from(bytes).toString('base64') };
  }
}

/** Schema properties for the two payload fields (the size limit is the cluster's to judge). */
export const PAYLOAD_PROPERTIES = {
  payload: { type: 'string', maxLength: 65_536 },
  payloadBase64: { type: 'string', maxLength: 65_536 },
} as const;
