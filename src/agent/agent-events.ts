/**
 * What the agent hands its event handlers — scripts (handlers/) and in-process listeners
 * (`Agent.onEvent`) alike: Serf's event kinds, after coalescing (coalesce.ts).
 *
 *   - member events carry every member the (possibly coalesced) event is about, as Serf's
 *     `MemberEvent` does: a member-join handler run once for three joins gets three lines;
 *   - user events carry the name, payload, Lamport time and whether the sender allowed
 *     coalescing;
 *   - queries carry `respond`: the first answer wins, and only before the query's deadline.
 *
 * `type` uses Serf's names (`SERF_EVENT`'s values), so a filter like `user:deploy` reads
 * the same on both.
 */

import type { AgentMember, IncomingQuery, MemberEventType } from './cluster.ts';

export interface AgentMemberEvent {
  readonly type: MemberEventType;
  readonly members: readonly AgentMember[];
}

export interface AgentUserEvent {
  readonly type: 'user';
  readonly name: string;
  readonly payload: Uint8Array;
  readonly ltime: bigint;
  readonly coalesce: boolean;
}

export interface AgentQueryEvent extends IncomingQuery {
  readonly type: 'query';
}

export type AgentEvent = AgentMemberEvent | AgentUserEvent | AgentQueryEvent;

export type AgentEventListener = (event: AgentEvent) => void;
