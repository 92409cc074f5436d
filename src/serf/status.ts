/**
 * Serf's member status machine as data (serf-layer.md §5.1; Serf 0.9.x `serf.go`
 * handleNodeJoin / handleNodeLeave / handleNodeLeaveIntent / handleNodeJoinIntent, and the
 * reaper).
 *
 * A Serf member is alive, leaving, left or failed. Two kinds of input move it:
 *
 *   - memberlist's view (the SWIM layer's join/leave notifications): a node appearing is a
 *     join, a node dead *or* left in memberlist is a "leave" — Serf 0.9 does not read
 *     memberlist's left state; only a leave intent received before tells left from failed;
 *   - intents (join/leave messages stamped with the member Lamport clock), applied only when
 *     newer than the member's `statusLTime`; a newer intent always updates `statusLTime`
 *     even when the status stays (that is what stops re-gossip loops, Serf issue #637).
 *
 * Each table maps the current status to the next one and the event to emit (or `null`);
 * a status missing from a table means "ignore the input". `member-table.ts` applies them,
 * the tests check them row by row, and docs/serf.md shows the same rows.
 */

export type SerfStatus = 'alive' | 'leaving' | 'left' | 'failed';

export type MemberEventType =
  | 'member-join'
  | 'member-leave'
  | 'member-failed'
  | 'member-update'
  | 'member-reap';

export interface Transition {
  readonly to: SerfStatus;
  readonly event: MemberEventType | null;
}

type Table = Readonly<Partial<Record<SerfStatus, Transition>>>;

/**
 * memberlist reports the node alive (new, or back from dead/left). A new node starts alive,
 * or leaving when a leave intent about it was buffered (`intents.ts`); a known one becomes
 * alive whatever it was. The event is member-join in every case (Serf sends it even when
 * memberlist re-reports an alive node after a restart).
 */
export const ON_MEMBERLIST_JOIN: Table = {
  alive: { to: 'alive', event: 'member-join' },
  leaving: { to: 'alive', event: 'member-join' },
  left: { to: 'alive', event: 'member-join' },
  failed: { to: 'alive', event: 'member-join' },
};

/** memberlist reports the node dead or left. */
export const ON_MEMBERLIST_LEAVE: Table = {
  alive: { to: 'failed', event: 'member-failed' },
  leaving: { to: 'left', event: 'member-leave' },
};

/** A leave intent newer than `statusLTime` ("forced" leave when the node had failed). */
export const ON_LEAVE_INTENT: Table = {
  alive: { to: 'leaving', event: null },
  failed: { to: 'left', event: 'member-leave' },
  leaving: { to: 'leaving', event: null },
  left: { to: 'left', event: null },
};

/** A join intent newer than `statusLTime`: a leaving node that is alive again. */
export const ON_JOIN_INTENT: Table = {
  alive: { to: 'alive', event: null },
  leaving: { to: 'alive', event: null },
  left: { to: 'left', event: null },
  failed: { to: 'failed', event: null },
};

/** How long a member may stay in a status before the reaper removes it (member-reap). */
export type ReapTimeoutField = 'reconnectTimeoutMs' | 'tombstoneTimeoutMs';
export const REAP_AFTER: Readonly<Partial<Record<SerfStatus, ReapTimeoutField>>> = {
  failed: 'reconnectTimeoutMs',
  left: 'tombstoneTimeoutMs',
};
