/**
 * A few requests to the agent's own API, over loopback, before the agent announces itself.
 *
 * Why: an agent's first `POST /v1/join` ran the HTTP path (Node's parser, the router, the
 * body reader, the schema check, the route, the reply) for the first time, and cold it cost
 * the joining agent 21–30 ms of CPU against 14–17 ms once warm (bench/RESULTS.md, "2026-11-22
 * (stop 14)"). When a cluster of freshly started agents is told to join at once, on a machine
 * with fewer cores than agents, that difference is spent while the seed waits for CPU to
 * answer them. The rehearsal (rehearsal.ts) warms the gossip side; this warms the API side.
 *
 * What it sends: `GET /v1/members`, and `POST /v1/join` with an address no join can use (a
 * 400 from the route, answered before any join is tried), a few times each, one connection
 * per request, over TCP to the address the API listens on: the path a client's request
 * takes. It changes nothing, as the requests read the member list or are refused, and the
 * server leaves them out of its request metrics and logs (server.ts). Best effort and
 * bounded: a request that fails or is not answered in time ends the warm-up, and the agent
 * starts anyway.
 */

import { connect } from 'node:net';
import type { HostPort } from '../config.ts';

export interface WarmUpRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** A JSON body. */
  readonly body?: string;
}

export const WARM_UP_REQUESTS: readonly WarmUpRequest[] = [
  { method: 'GET', path: '/v1/members' },
  { method: 'POST', path: '/v1/join', body: '{"addrs":["127.0.0.1:0"]}' },
];
/** Each request is sent this many times: the first compiles, the next run compiled code. */
export const WARM_UP_ROUNDS = 3;
/** Longest the warm-up may delay start-up. */
export const WARM_UP_DEADLINE_MS = 2_000;

export interface WarmUpOptions {
  /** Sent with every request (the API token, the server's mark for warm-up requests). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly rounds?: number;
  readonly deadlineMs?: number;
}

/** Where a client reaches a server listening on `address`: loopback for a wildcard. */
export function loopbackOf(address: HostPort): HostPort {
  if (address.host === '0.0.0.0' || address.host === '') return { ...address, host: '127.0.0.1' };
  if (address.host === '::') return { ...address, host: '::1' };
  return address;
}

export function requestText(
  request: WarmUpRequest,
  host: string,
  headers: Readonly<Record<string, string>>,
): string {
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    `host: ${host}`,
    'connection: close',
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) {
    lines.push('content-type: application/json');
    lines.push(`content-length: ${Buffer.byteLength(request.body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${request.body ?? ''}`;
}

/** Sends `text` on a new connection; true once an answer arrived and the server closed. */
function exchange(target: HostPort, text: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let received = 0;
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(received > 0));
  });
}

/** Sends the warm-up requests to the API listening on `address`; resolves to how many were answered. */
export async function warmUpHttpApi(
  address: HostPort,
  options: WarmUpOptions = {},
): Promise<number> {
  const target = loopbackOf(address);
  const host = target.host.includes(':')
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
  const deadline = performance.now() + (options.deadlineMs ?? WARM_UP_DEADLINE_MS);
  let answered = 0;
  for (let round = 0; round < (options.rounds ?? WARM_UP_ROUNDS); round++) {
    for (const request of WARM_UP_REQUESTS) {
      const left = deadline - performance.now();
      if (left <= 0) return answered;
      const text = requestText(request, host, options.headers ?? {});
      if (!(await exchange(target, text, left))) return answered;
      answered++;
    }
  }
  return answered;
}
