/**
 * What the Serf layer tells the application: member events (Serf's `MemberEvent`, one
 * member per event), the end of a graceful leave, and counters for input it refused.
 *
 * The member snapshot (`SerfMember`) is also what `SerfNode.members()` returns, the shape
 * behind the agent's `GET /v1/members`. Its `status` is Serf's, with one addition: an alive
 * member that memberlist currently suspects reads `suspect` (Serf itself would still say
 * alive; operators want to see the suspicion).
 */

import type { ErrorCode } from '../core/errors.ts';
import type { SerfKeyQueryDone } from './key-manager.ts';
import type { MemberEventType, SerfStatus } from './status.ts';

export type SerfMemberStatus = SerfStatus | 'suspect';

export interface SerfMember {
  readonly name: string;
  /** 4 (IPv4) or 16 (IPv6) bytes. */
  readonly ip: Uint8Array;
  readonly port: number;
  readonly tags: ReadonlyMap<string, string>;
  readonly status: SerfMemberStatus;
  /** memberlist protocol versions the member advertises (the Serf agent: 1, 5, 2). */
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  /** Serf protocol versions (delegate versions; the Serf agent: 2, 5, 5). */
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

export interface SerfMemberEvent {
  readonly type: MemberEventType;
  readonly member: SerfMember;
}

/** Where refused outside input came from. */
export type SerfInputSource = 'user-message' | 'push-pull' | 'meta' | 'ack-payload';

/**
 * A peer handed us bytes we could not use: decoded to a `RemoteError`, or a message that is
 * valid but has no business where it arrived (a push/pull state as a user message). The
 * input was dropped; the node carries on. Hosts count these by `code`.
 */
export interface SerfBadInputEvent {
  readonly type: 'serf-bad-input';
  readonly source: SerfInputSource;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The graceful leave finished: the intent and memberlist's leave were sent, the propagation delay passed. */
export interface SerfLeftEvent {
  readonly type: 'serf-left';
}

/** A user event delivered (once per node; our own events too). */
export interface SerfUserEventDelivered {
  readonly type: 'user-event';
  readonly ltime: bigint;
  readonly name: string;
  readonly payload: Uint8Array | null;
  /** The sender allows the agent to coalesce bursts of this name. */
  readonly coalesce: boolean;
}

/**
 * A query for the application (internal `_serf_*` queries never are). Answer it with
 * `SerfNode.respond(ctx, key, payload)` before `deadlineMs`.
 */
export interface SerfQueryReceived {
  readonly type: 'query';
  /** Local handle for `respond`. */
  readonly key: number;
  readonly ltime: bigint;
  readonly id: number;
  readonly name: string;
  readonly payload: Uint8Array | null;
  readonly sourceNode: string;
  readonly deadlineMs: number;
}

/** An answer to one of our queries: an ack, or a response with its payload. */
export interface SerfQueryAnswer {
  readonly type: 'query-ack' | 'query-response';
  readonly ltime: bigint;
  readonly id: number;
  readonly name: string;
  readonly from: string;
  readonly payload: Uint8Array | null;
}

/** One of our queries reached its deadline; no more answers are accepted. */
export interface SerfQueryDone {
  readonly type: 'query-done';
  readonly ltime: bigint;
  readonly id: number;
  readonly name: string;
  readonly acks: number;
  readonly responses: number;
}

/**
 * Another node holds our name and the cluster sided with it (`_serf_conflict` vote lost):
 * the node has shut itself down, as Serf does; the host should stop it.
 */
export interface SerfConflictLost {
  readonly type: 'serf-conflict-lost';
  readonly matching: number;
  readonly responses: number;
}

export type SerfEvent =
  | SerfMemberEvent
  | SerfBadInputEvent
  | SerfLeftEvent
  | SerfUserEventDelivered
  | SerfQueryReceived
  | SerfQueryAnswer
  | SerfQueryDone
  | SerfKeyQueryDone
  | SerfConflictLost;
