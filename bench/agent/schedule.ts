/**
 * When the events of one round are sent: `spacingMs` apart plus a seeded random jitter.
 *
 * Why the jitter: an agent gossips on a fixed tick (Serf's and hearsay's LAN profile: every
 * 200 ms), and an event waits in the sender's queue for the next tick. Events exactly 1 s
 * apart all land at the same phase of that tick, so a round would sample one waiting time
 * `events` times instead of `events` waiting times: a first 8-agent run measured Serf at
 * 79 ms and hearsay at 350 ms median for no other reason than where each round's phase fell.
 * A jitter uniform over at least one gossip interval spreads the phase; the seed makes the
 * schedule the same for both systems and for a rerun.
 */

import { Rng } from '../../src/core/rng.ts';

/** Offsets in ms from the round's start, one per event, increasing. */
export function eventOffsetsMs(
  count: number,
  spacingMs: number,
  jitterMs: number,
  seed: number,
): number[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`bad event count ${count}`);
  if (!(spacingMs >= 0) || !(jitterMs >= 0)) throw new Error('spacing and jitter must be ≥ 0');
  const rng = new Rng(seed);
  const offsets: number[] = [];
  let atMs = 0;
  for (let k = 0; k < count; k++) {
    atMs += (k === 0 ? 0 : spacingMs) + rng.float() * jitterMs;
    offsets.push(atMs);
  }
  return offsets;
}
