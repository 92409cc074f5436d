/**
 * The node process's JSON-lines control channel: parsing commands, bounding lines.
 *
 * A harness (tests, the benchmark, an operator with `jq`) drives a node through its stdin and
 * reads its stdout, one JSON object per line each way. This module holds only the pure
 * parts: splitting a byte stream into lines under a named limit, and turning one line into
 * a typed `ControlCommand` or a `RemoteError` (HEARSAY_ERR_CONTROL_INVALID) that names what
 * is wrong. node-main.ts does the I/O and acts on the commands.
 *
 *   stdin (commands)                                   stdout (events)
 *   {"cmd":"peers","peers":["127.0.0.1:P",…]}          {"event":"peers","count":N}
 *   {"cmd":"publish","id":"r1","data":"<base64>"}      {"event":"deliver","id":…,"hops":…,"atMs":…}
 *   {"cmd":"stats"}                                    {"event":"stats",…HostStatsSnapshot}
 *   {"cmd":"stop"}                                     {"event":"stopped"}
 *   (at start)                                         {"event":"listening","host":…,"port":N,"seed":S}
 */

import { RemoteError } from '../core/errors.ts';
import { parseHostPort } from './address.ts';

/** Longest control line, in bytes: room for a publish of a 60 kB item in base64, and then some. */
export const CONTROL_LINE_BYTES_MAX = 1 << 20;
/** Most peers one `peers` command may add (the address book has its own, larger limit). */
export const CONTROL_PEERS_MAX = 4096;

export type ControlCommand =
  | { readonly cmd: 'peers'; readonly peers: readonly string[] }
  | { readonly cmd: 'publish'; readonly id: string; readonly data: Uint8Array }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'stop' };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(message: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_CONTROL_INVALID', message);
}

/** Parse one control line. Throws `RemoteError` (HEARSAY_ERR_CONTROL_INVALID). */
export function parseControlLine(line: string): ControlCommand {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalid(`not JSON: ${line.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('a control line must be a JSON object with a "cmd" field');
  }
  const o = value as Record<string, unknown>;
  switch (o.cmd) {
    case 'peers': {
      const peers = o.peers;
      if (!Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) {
        throw invalid('peers: "peers" must be an array of "a.b.c.d:port" strings');
      }
      if (peers.length > CONTROL_PEERS_MAX) {
        throw invalid(
          `peers: ${peers.length} peers, limit CONTROL_PEERS_MAX is ${CONTROL_PEERS_MAX}`,
        );
      }
      for (const p of peers) parseHostPort(p, 'peers', false, 'HEARSAY_ERR_CONTROL_INVALID');
      return { cmd: 'peers', peers };
    }
    case 'publish': {
      if (typeof o.id !== 'string' || o.id.length === 0 || !o.id.isWellFormed()) {
        throw invalid('publish: "id" must be a non-empty string');
      }
      const data = o.data ?? '';
      if (typeof data !== 'string' || !BASE64.test(data)) {
        throw invalid('publish: "data" must be a base64 string');
      }
      return { cmd: 'publish', id: o.id, data: new Uint8Array(Buffer.from(data, 'base64')) };
    }
    case 'stats':
      return { cmd: 'stats' };
    case 'stop':
      return { cmd: 'stop' };
    default:
      throw invalid(
        `unknown cmd ${JSON.stringify(o.cmd)}; expected one of peers, publish, stats, stop`,
      );
  }
}

/**
 * Splits a byte stream into lines, refusing any line over `lineBytesMax` (it is skipped up
 * to its newline and reported through `onOverlong`). Holds at most `lineBytesMax` bytes.
 */
export class LineSplitter {
  readonly lineBytesMax: number;
  #parts: Buffer[] = [];
  #bytes = 0;
  #skipping = false;

  constructor(lineBytesMax: number = CONTROL_LINE_BYTES_MAX) {
    this.lineBytesMax = lineBytesMax;
  }

  push(chunk: Buffer, onLine: (line: string) => void, onOverlong: (bytes: number) => void): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (!this.#skipping) {
        if (this.#bytes + piece.length > this.lineBytesMax) {
          onOverlong(this.#bytes + piece.length);
          this.#skipping = true;
          this.#parts = [];
          this.#bytes = 0;
        } else if (piece.length > 0) {
          this.#parts.push(piece);
          this.#bytes += piece.length;
        }
      }
      if (nl < 0) return;
      if (!this.#skipping) {
        const line = Buffer.concat(this.#parts).toString('utf8').replace(/\r$/, '');
        this.#parts = [];
        this.#bytes = 0;
        if (line.trim().length > 0) onLine(line);
      }
      this.#skipping = false;
      start = nl + 1;
    }
  }
}
