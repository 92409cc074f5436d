/**
 * Decode limits for Serf's messages (carried in memberlist user messages, push/pull user
 * state, node meta and ack payloads).
 *
 * Serf bounds what it *sends* (user events ≤ 512 bytes by default and 9 KiB at most,
 * queries and responses ≤ 1024 bytes, meta ≤ 512 bytes, a 512-slot event ring) but decodes
 * whatever arrives. We cap every count and length a peer announces; the defaults accept
 * everything a Serf agent sends with a wide margin. Over-limit input is
 * `RemoteError('HEARSAY_ERR_DECODE_OVERSIZE')` naming the field.
 */

import { ConfigError } from '../../../core/errors.ts';

export interface SerfLimits {
  /** Longest node name, bytes (same reasoning as memberlist's `nameBytesMax`). */
  readonly nameBytesMax: number;
  /** Longest event or query name, error message, tag key or value, bytes. */
  readonly textBytesMax: number;
  /**
   * Largest event, query or response payload, bytes. Serf's own ceilings are 9 KiB (events)
   * and 1 KiB (queries, responses); a UDP packet cannot carry more than 64 KiB anyway.
   */
  readonly payloadBytesMax: number;
  /** Slots of the push/pull event ring. Serf sends exactly its `EventBuffer`, 512. */
  readonly pushPullEventSlotsMax: number;
  /** Events sharing one Lamport time in one ring slot. */
  readonly eventsPerSlotMax: number;
  /** Entries of push/pull `StatusLTimes` and `LeftMembers` (one per member). */
  readonly membersMax: number;
  /** Filters in one query. */
  readonly filtersMax: number;
  /** Names in one node filter. */
  readonly filterNodesMax: number;
  /** Keys listed in one key-management response. */
  readonly keysMax: number;
  /** Tags of one node. 512 bytes of meta hold at most ~170 tags. */
  readonly tagsMax: number;
  /** Dimensions of a network coordinate; Serf uses 8. */
  readonly coordinateDimensionsMax: number;
}

export const DEFAULT_SERF_LIMITS: SerfLimits = Object.freeze({
  nameBytesMax: 512,
  textBytesMax: 4096,
  payloadBytesMax: 65536,
  pushPullEventSlotsMax: 4096,
  eventsPerSlotMax: 256,
  membersMax: 65536,
  filtersMax: 64,
  filterNodesMax: 4096,
  keysMax: 256,
  tagsMax: 512,
  coordinateDimensionsMax: 64,
});

/** Fills defaults and validates; throws `ConfigError` naming the first bad field. */
export function serfLimits(overrides: Partial<SerfLimits> = {}): SerfLimits {
  const limits = { ...DEFAULT_SERF_LIMITS, ...overrides };
  for (const field of Object.keys(DEFAULT_SERF_LIMITS) as (keyof SerfLimits)[]) {
    const value = limits[field];
    if (!Number.isSafeInteger(value) || value < 1 || value > 0xffffffff) {
      throw new ConfigError(
        `serfLimits.${field}`,
        `must be an integer in [1, 2^32-1], got ${String(value)}`,
      );
    }
  }
  return Object.freeze(limits);
}
