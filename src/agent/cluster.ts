/**
 * The agent's view of the cluster: the one seam between the daemon (HTTP API, logs,
 * signals) and the gossip stack under it (the memberlist host driving SWIM, Serf on top).
 *
 * Everything the agent shows a person is phrased here in Serf's terms, because that is what
 * people who run Serf clusters read: a member is a name, an advertised address and port, its
 * tags, and a Serf status. memberlist's `dead` is Serf's `failed`; a graceful leave is `left`
 * once it has spread and `leaving` on the node itself while its intent goes out; `suspect`
 * is memberlist's (Serf folds it into `alive`, we show it because it is what an operator
 * looking at a flapping node wants to see).
 *
 * The agent never reaches past this interface, so tests drive the HTTP layer and the
 * process glue with a fake cluster, and the real implementation (memberlist-cluster.ts)
 * can change without touching them. What is not here on purpose: user events, queries and
 * key management — the next version of the agent adds them as methods here first.
 */

import type { HostPort } from '../net/address.ts';

/** Serf's member statuses, plus memberlist's `suspect`. */
export const MEMBER_STATES = ['alive', 'suspect', 'leaving', 'left', 'failed'] as const;
export type AgentMemberState = (typeof MEMBER_STATES)[number];

/** One member as the HTTP API serves it (`GET /v1/members`). */
export interface AgentMember {
  readonly name: string;
  /** The advertised IP address, as text (`10.0.0.7`, `::1`). */
  readonly addr: string;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly state: AgentMemberState;
}

/** Serf's member events, named as Serf names them (and its event handlers receive them). */
export const MEMBER_EVENT_TYPES = [
  'member-join',
  'member-leave',
  'member-failed',
  'member-update',
  'member-reap',
] as const;
export type MemberEventType = (typeof MEMBER_EVENT_TYPES)[number];

export interface MemberEvent {
  readonly type: MemberEventType;
  readonly member: AgentMember;
}

export interface AgentCluster {
  /** The gossip address actually bound (port 0 resolved), UDP and TCP alike. */
  readonly bound: HostPort;
  /** The address peers reach us at (what other agents pass to `--join`). */
  readonly advertise: HostPort;
  /** This node as the cluster sees it. */
  local(): AgentMember;
  /** Every member this node knows, itself included, in no particular order. */
  members(): AgentMember[];
  /**
   * Contact each seed (push/pull over TCP, as `serf join` does) and resolve with how many
   * answered. Rejects when none did, with a message naming them and the last cause.
   */
  join(seeds: readonly HostPort[], signal?: AbortSignal): Promise<number>;
  /** Announce a graceful leave and wait (bounded) for it to spread; the node keeps running. */
  leave(signal?: AbortSignal): Promise<void>;
  /** Close the sockets and timers. Idempotent. After a `leave`, the others list us `left`. */
  shutdown(): Promise<void>;
  /** Subscribe to member events; returns the unsubscribe function. */
  onMemberEvent(listener: (event: MemberEvent) => void): () => void;
}
