/**
 * Serf's member table: one record per node memberlist has reported, with its Serf status,
 * the Lamport time of the last intent that touched it (`statusLTime`) and, for failed and
 * left members, when they got there (reaping counts from then).
 *
 * Inputs are the two kinds described in `status.ts` — memberlist's view and intents — and
 * the reaper's clock. The tables there decide every status change; this module only looks
 * records up, consults the intent buffer for nodes not yet known, and records what should
 * be told to the application. It is pure state: no clock of its own (times come in as
 * arguments), no I/O, no Lamport clock (the caller witnesses intents first, as Serf does).
 *
 * Outputs are queued member events, drained with `pollEvent()` after each input (the
 * quinn-proto style: the caller decides when and how to emit).
 *
 * Bounds: records exist only for nodes memberlist reported (its table is bounded) and are
 * removed by the reaper; intents about unknown nodes go to the bounded `IntentBuffer`.
 */

import type { Vsn } from '../membership/wire/messages.ts';
import type { IntentBuffer } from './intents.ts';
import {
  type MemberEventType,
  ON_JOIN_INTENT,
  ON_LEAVE_INTENT,
  ON_MEMBERLIST_JOIN,
  ON_MEMBERLIST_LEAVE,
  REAP_AFTER,
  type ReapTimeoutField,
  type SerfStatus,
} from './status.ts';

/** What memberlist tells us about a node (its `Member`, with the meta decoded to tags). */
export interface MemberlistNode {
  readonly name: string;
  readonly ip: Uint8Array;
  readonly port: number;
  readonly tags: ReadonlyMap<string, string>;
  readonly vsn: Vsn | null;
}

export interface MemberRecord {
  readonly name: string;
  ip: Uint8Array;
  port: number;
  tags: ReadonlyMap<string, string>;
  vsn: Vsn | null;
  status: SerfStatus;
  statusLTime: bigint;
  /** When the member became failed or left, host ms; NaN otherwise. */
  leftAtMs: number;
  /** A pruning leave intent arrived while the member was leaving: erase it at this time. */
  pruneAtMs: number;
}

export interface PendingMemberEvent {
  readonly type: MemberEventType;
  readonly record: MemberRecord;
}

export interface ReapTimeouts {
  readonly reconnectTimeoutMs: number;
  readonly tombstoneTimeoutMs: number;
}

export class MemberTable {
  readonly #records = new Map<string, MemberRecord>();
  readonly #intents: IntentBuffer;
  readonly #events: PendingMemberEvent[] = [];

  constructor(intents: IntentBuffer) {
    this.#intents = intents;
  }

  get size(): number {
    return this.#records.size;
  }

  get(name: string): MemberRecord | undefined {
    return this.#records.get(name);
  }

  values(): IterableIterator<MemberRecord> {
    return this.#records.values();
  }

  /** Next member event to tell the application, oldest first; undefined when none. */
  pollEvent(): PendingMemberEvent | undefined {
    return this.#events.shift();
  }

  /** Serf's `handleNodeJoin`: memberlist reports `node` alive. */
  memberlistJoin(node: MemberlistNode): MemberRecord {
    let record = this.#records.get(node.name);
    if (record === undefined) {
      record = {
        name: node.name,
        ip: node.ip,
        port: node.port,
        tags: node.tags,
        vsn: node.vsn,
        status: 'alive',
        statusLTime: 0n,
        leftAtMs: Number.NaN,
        pruneAtMs: Number.POSITIVE_INFINITY,
      };
      // The buffer holds one intent per node, the latest: at most one of these applies.
      const joinLTime = this.#intents.get(node.name, 'join');
      if (joinLTime !== undefined) record.statusLTime = joinLTime;
      const leaveLTime = this.#intents.get(node.name, 'leave');
      if (leaveLTime !== undefined) {
        record.status = 'leaving';
        record.statusLTime = leaveLTime;
      }
      this.#records.set(node.name, record);
      this.#events.push({ type: 'member-join', record });
      return record;
    }
    const t = ON_MEMBERLIST_JOIN[record.status]!;
    record.status = t.to;
    record.leftAtMs = Number.NaN;
    record.ip = node.ip;
    record.port = node.port;
    record.tags = node.tags;
    record.vsn = node.vsn;
    if (t.event !== null) this.#events.push({ type: t.event, record });
    return record;
  }

  /** Serf's `handleNodeLeave`: memberlist reports `name` dead or left. */
  memberlistLeave(name: string, nowMs: number): void {
    const record = this.#records.get(name);
    if (record === undefined) return;
    const t = ON_MEMBERLIST_LEAVE[record.status];
    if (t === undefined) return;
    record.status = t.to;
    record.leftAtMs = nowMs;
    if (t.event !== null) this.#events.push({ type: t.event, record });
  }

  /** Serf's `handleNodeUpdate`: memberlist reports new meta (tags) or address. */
  memberlistUpdate(node: MemberlistNode): void {
    const record = this.#records.get(node.name);
    if (record === undefined) return;
    record.ip = node.ip;
    record.port = node.port;
    record.tags = node.tags;
    record.vsn = node.vsn;
    this.#events.push({ type: 'member-update', record });
  }

  /**
   * Serf's `handleNodeJoinIntent`, after the caller witnessed `ltime`. Returns whether the
   * intent changed something and should be re-gossiped.
   */
  joinIntent(node: string, ltime: bigint, nowMs: number): boolean {
    const record = this.#records.get(node);
    if (record === undefined) return this.#intents.upsert(node, 'join', ltime, nowMs);
    if (ltime <= record.statusLTime) return false;
    record.statusLTime = ltime;
    record.status = ON_JOIN_INTENT[record.status]!.to;
    return true;
  }

  /**
   * Serf's `handleNodeLeaveIntent`, after the caller witnessed `ltime` and ruled out a leave
   * about ourselves while alive (that one is refuted, not applied). Returns whether the
   * intent changed something and should be re-gossiped.
   *
   * `prune` erases the member (member-reap); a member still leaving is erased only after
   * `pruneDelayMs`, so that its own leave can finish first (Serf sleeps for that long).
   */
  leaveIntent(
    node: string,
    ltime: bigint,
    prune: boolean,
    nowMs: number,
    pruneDelayMs: number,
  ): boolean {
    const record = this.#records.get(node);
    if (record === undefined) return this.#intents.upsert(node, 'leave', ltime, nowMs);
    if (ltime <= record.statusLTime) return false;
    record.statusLTime = ltime;
    const t = ON_LEAVE_INTENT[record.status];
    if (t === undefined) return false;
    const wasLeaving = record.status === 'leaving';
    if (t.to !== record.status) {
      record.status = t.to;
      if (t.to === 'left') record.leftAtMs = nowMs;
    }
    if (t.event !== null) this.#events.push({ type: t.event, record });
    if (prune) {
      if (wasLeaving) record.pruneAtMs = Math.min(record.pruneAtMs, nowMs + pruneDelayMs);
      else this.#erase(record);
    }
    return true;
  }

  /** Is `ltime` newer than what we hold for `node`? (Unknown nodes: always.) */
  isNewer(node: string, ltime: bigint): boolean {
    const record = this.#records.get(node);
    return record === undefined || ltime > record.statusLTime;
  }

  /**
   * Serf's reaper: removes failed members older than the reconnect timeout, left members
   * older than the tombstone timeout, and members whose prune delay has passed.
   */
  reap(nowMs: number, timeouts: ReapTimeouts): void {
    for (const record of [...this.#records.values()]) {
      if (nowMs >= record.pruneAtMs) {
        this.#erase(record);
        continue;
      }
      const field: ReapTimeoutField | undefined = REAP_AFTER[record.status];
      if (field === undefined) continue;
      if (nowMs - record.leftAtMs > timeouts[field]) this.#erase(record);
    }
  }

  /** Forgets `name` without an event (our own record when we shut down, say). */
  delete(name: string): void {
    this.#records.delete(name);
  }

  #erase(record: MemberRecord): void {
    this.#records.delete(record.name);
    this.#events.push({ type: 'member-reap', record });
  }
}
