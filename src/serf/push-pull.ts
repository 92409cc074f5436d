/**
 * Serf's push/pull state (serf-layer.md §7): what rides in memberlist's push/pull as the
 * delegate's user state, in both directions.
 *
 * Outgoing (`localPushPull`): the three clocks, every member's `statusLTime` (failed and
 * left included), the names of left members, and the user-event ring's slots in use
 * (`user-events.ts`). Serf sends its whole 512-slot ring with nil for empty slots; a Serf
 * peer decodes any length (interop-checked, §7), so we leave the empty ones out.
 *
 * Incoming (`planMerge`): Serf witnesses each clock at value − 1 (nothing was sent at the
 * sender's current time yet), then applies a leave intent at statusLTime + 1 for each left
 * member (the leave must have come after the time on record) and a join intent at the
 * recorded time for every other member. The plan is pure data; the node applies it through
 * its ordinary intent handlers, so the same Lamport and refute rules hold. The events in
 * the state go through the user-event receive path (delivered if new, never re-gossiped).
 */

import type { SerfEventSlot, SerfPushPull } from '../membership/wire/serf/messages.ts';
import type { MemberTable } from './member-table.ts';

export interface Clocks {
  readonly member: bigint;
  readonly event: bigint;
  readonly query: bigint;
}

export function localPushPull(
  clocks: Clocks,
  table: MemberTable,
  eventSlots: readonly SerfEventSlot[] = [],
): SerfPushPull {
  const statusLTimes = new Map<string, bigint>();
  const leftMembers: string[] = [];
  for (const r of table.values()) {
    statusLTimes.set(r.name, r.statusLTime);
    if (r.status === 'left') leftMembers.push(r.name);
  }
  return {
    type: 'pushPull',
    ltime: clocks.member,
    statusLTimes,
    leftMembers,
    eventLTime: clocks.event,
    events: eventSlots,
    queryLTime: clocks.query,
  };
}

export interface MergePlan {
  /** Values to witness, already reduced by one; null where the peer sent 0. */
  readonly witness: {
    readonly member: bigint | null;
    readonly event: bigint | null;
    readonly query: bigint | null;
  };
  /** Leave intents first (Serf's order), then join intents. */
  readonly intents: readonly {
    readonly type: 'join' | 'leave';
    readonly node: string;
    readonly ltime: bigint;
  }[];
}

export function planMerge(pp: SerfPushPull): MergePlan {
  const minusOne = (t: bigint): bigint | null => (t > 0n ? t - 1n : null);
  const statusLTimes = pp.statusLTimes ?? new Map<string, bigint>();
  const left = new Set(pp.leftMembers ?? []);
  const intents: { type: 'join' | 'leave'; node: string; ltime: bigint }[] = [];
  for (const node of left) {
    // A Go map lookup of a missing name gives 0, so the leave goes at 1.
    intents.push({ type: 'leave', node, ltime: (statusLTimes.get(node) ?? 0n) + 1n });
  }
  for (const [node, ltime] of statusLTimes) {
    if (!left.has(node)) intents.push({ type: 'join', node, ltime });
  }
  return {
    witness: {
      member: minusOne(pp.ltime),
      event: minusOne(pp.eventLTime),
      query: minusOne(pp.queryLTime),
    },
    intents,
  };
}
