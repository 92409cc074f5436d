/**
 * Decode limits for memberlist's wire format.
 *
 * Every length a peer can announce is checked against one of these before anything is
 * allocated, and every decoder takes them as an argument. memberlist itself trusts most
 * lengths (its only caps are the 20 MiB `maxPushStateBytes` on encrypted streams and the 512
 * byte `MetaMaxSize` it enforces on its own meta); we put a finite, named cap on each so a
 * hostile packet costs at most a bounded amount of memory and work. Over-limit input is a
 * `RemoteError('HEARSAY_ERR_DECODE_OVERSIZE')` naming the limit.
 *
 * The defaults accept everything a Go memberlist/Serf node sends (the captured vectors and
 * the format's own bounds) with room to spare; each field says where its value comes from.
 * The Serf layer has its own limits in `serf/limits.ts`.
 */

import { ConfigError } from '../../core/errors.ts';

export interface MemberlistLimits {
  /**
   * Largest UDP packet accepted, bytes. Go reads datagrams into a 65536-byte buffer, so
   * nothing larger can come from it.
   */
  readonly packetBytesMax: number;
  /**
   * Largest TCP stream message accepted (one direction of one exchange), bytes, and the
   * largest length an encrypt frame may announce. memberlist's `maxPushStateBytes`: 20 MiB.
   */
  readonly streamBytesMax: number;
  /**
   * Most parts in one compound message. The format allows 255, but Go mis-slices more than
   * 127 (its length table offset is computed in 8 bits) and never sends more.
   */
  readonly compoundPartsMax: number;
  /**
   * Deepest nesting of compound/compress wrappers inside a packet. Go recurses without a
   * bound; real nodes nest at most compress → compound → message (depth 2). The cap stops
   * a compress-in-compress bomb from multiplying the decompression limit.
   */
  readonly nestingDepthMax: number;
  /**
   * Largest output of one LZW decompression inside a UDP packet, bytes. A Go node compresses
   * only what it would otherwise send in one datagram, so 64 KiB suffices.
   */
  readonly packetDecompressedBytesMax: number;
  /**
   * Largest output of the LZW decompression of a stream message, bytes. Go has no cap; we
   * use `maxPushStateBytes` (20 MiB), the cap it puts on the encrypted form.
   */
  readonly streamDecompressedBytesMax: number;
  /** Most node states in one push/pull. 65536 is far beyond any real cluster. */
  readonly pushPullNodesMax: number;
  /** Largest delegate (Serf) user state in a push/pull, bytes. */
  readonly userStateBytesMax: number;
  /** Largest user message carried on a stream (`userMsgHeader.UserMsgLen`), bytes. */
  readonly streamUserMsgBytesMax: number;
  /** Largest node metadata, bytes: memberlist's `MetaMaxSize`. */
  readonly metaBytesMax: number;
  /**
   * Longest node name, bytes. memberlist sets none; DNS names stop at 253 and Serf's
   * optional name validation at 128, so 512 leaves room without inviting abuse.
   */
  readonly nameBytesMax: number;
  /** Longest error text in an err reply, bytes. */
  readonly errorTextBytesMax: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_MEMBERLIST_LIMITS: MemberlistLimits = Object.freeze({
  packetBytesMax: 65536,
  streamBytesMax: 20 * MiB,
  compoundPartsMax: 127,
  nestingDepthMax: 4,
  packetDecompressedBytesMax: 65536,
  streamDecompressedBytesMax: 20 * MiB,
  pushPullNodesMax: 65536,
  userStateBytesMax: 20 * MiB,
  streamUserMsgBytesMax: 20 * MiB,
  metaBytesMax: 512,
  nameBytesMax: 512,
  errorTextBytesMax: 4096,
});

/** Upper bounds that keep the arithmetic in the decoders exact and the format honest. */
const HARD_MAX: { readonly [K in keyof MemberlistLimits]: number } = {
  packetBytesMax: 0x100000000,
  streamBytesMax: 0x100000000,
  compoundPartsMax: 255,
  nestingDepthMax: 64,
  packetDecompressedBytesMax: 0x100000000,
  streamDecompressedBytesMax: 0x100000000,
  pushPullNodesMax: 0x100000000,
  userStateBytesMax: 0x100000000,
  streamUserMsgBytesMax: 0x100000000,
  metaBytesMax: 0x100000000,
  nameBytesMax: 0x100000000,
  errorTextBytesMax: 0x100000000,
};

/** Fills defaults and validates; throws `ConfigError` naming the first bad field. */
export function memberlistLimits(overrides: Partial<MemberlistLimits> = {}): MemberlistLimits {
  const limits = { ...DEFAULT_MEMBERLIST_LIMITS, ...overrides };
  for (const field of Object.keys(HARD_MAX) as (keyof MemberlistLimits)[]) {
    const value = limits[field];
    const max = HARD_MAX[field];
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new ConfigError(
        `limits.${field}`,
        `must be an integer in [1, ${max}], got ${String(value)}`,
      );
    }
  }
  return Object.freeze(limits);
}
