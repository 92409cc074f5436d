/**
 * Encoded sizes of msgpack values, computed without encoding.
 *
 * A codec's `sizeOf` adds these up so that the simulator can charge bandwidth per message
 * without allocating. The numbers follow the MessagePack spec's smallest encodings, which
 * is what msgpackr writes for the types we use (it picks the string header from the final
 * byte length, and plain `Uint8Array`s become `bin`). One exception: msgpackr writes
 * integers at or above 2^32 as float64 (9 bytes), the same size as uint64. Tests compare
 * these sums against real encodings.
 */

import { utf8ByteLength } from './utf8.ts';

/** Header of an array with `count` elements (fixarray / array16 / array32). */
export function msgpackArrayHeaderBytes(count: number): number {
  return count < 16 ? 1 : count < 0x10000 ? 3 : 5;
}

/** A whole string: header plus UTF-8 bytes. */
export function msgpackStrBytes(s: string): number {
  const len = utf8ByteLength(s);
  return len + (len < 32 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5);
}

/** A whole `bin` value of `byteLength` bytes. */
export function msgpackBinBytes(byteLength: number): number {
  return byteLength + (byteLength < 0x100 ? 2 : byteLength < 0x10000 ? 3 : 5);
}

/** A non-negative integer. */
export function msgpackUintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** true, false and nil. */
export const MSGPACK_BOOL_BYTES = 1;

/** An array of strings, header included. */
export function msgpackStrArrayBytes(xs: readonly string[]): number {
  let bytes = msgpackArrayHeaderBytes(xs.length);
  for (const x of xs) bytes += msgpackStrBytes(x);
  return bytes;
}
