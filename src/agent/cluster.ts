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
 * can change without touching them. User events, queries, keys and counters are phrased
 * in Serf's terms too (a user event is a name, a payload and a Lamport time; a query fans
 * out to members matching filters and collects acks and responses until its deadline).
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

/** Serf's three Lamport clocks (member intents, user events, queries): the next times to stamp. */
export interface LamportClocks {
  readonly member: bigint;
  readonly event: bigint;
  readonly query: bigint;
}

export interface AgentCluster extends AgentClusterServices {
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
  /**
   * The clocks to save in the data directory's snapshot, and to restore from it before the
   * first join (so a restarted node does not deliver old events again). Optional: a
   * cluster without Lamport clocks (a test's fake) has no snapshot of them.
   */
  clocks?(): LamportClocks;
  restoreClocks?(clocks: LamportClocks): void;
}

/**
 * Events, queries, keys and counters: the services beyond membership. `AgentCluster`
 * extends this, so the HTTP layer, the CLI and the dashboard take `AgentCluster` alone.
 */
export interface AgentClusterServices {
  /**
   * Broadcast a user event to every member (Serf's `serf event`). Resolves with its Lamport
   * time. Rejects with a `ConfigError` on field `payload` when name + payload exceed the
   * event size limit (Serf: 512 bytes), and on field `name` for an empty or oversized name.
   */
  sendEvent(name: string, payload: Uint8Array, coalesce: boolean): Promise<bigint>;
  /** Subscribe to user events delivered to this node (once per event); returns unsubscribe. */
  onUserEvent(listener: (event: UserEvent) => void): () => void;
  /**
   * Fan out a query (Serf's `serf query`) and report acks and responses as they arrive;
   * resolves when the deadline passes (or `signal` aborts) with everything collected.
   */
  query(
    params: QueryParams,
    onReply?: (reply: QueryReply) => void,
    signal?: AbortSignal,
  ): Promise<QueryResult>;
  /** Subscribe to queries addressed to this node; a listener may answer with `respond`. */
  onQuery(listener: (query: IncomingQuery) => void): () => void;
  /** The gossip keyring (base64 keys, primary first); empty when encryption is off. */
  listKeys(): KeyringView;
  /** Install, make primary, or remove a key on this node (base64). ConfigError on bad keys. */
  installKey(key: string): Promise<void>;
  useKey(key: string): Promise<void>;
  removeKey(key: string): Promise<void>;
  /**
   * Install, make primary or remove a key (base64) on every member, or list every member's
   * keys: Serf's `serf keys`, through its internal key queries, this node answering too.
   * Resolves once every live member has answered or the query's deadline has passed, with
   * Serf's counts; members that refuse or stay silent are in the counts, not a rejection.
   * Operations run one at a time, as Serf's KeyManager runs them. Rejects with a
   * `ConfigError` on field `key` for a key that is not a base64 AES key, and with
   * `RemoteError(HEARSAY_ERR_QUEUE_FULL)` when too many operations are waiting.
   */
  clusterKeys(
    action: ClusterKeyAction,
    key?: string,
    signal?: AbortSignal,
  ): Promise<ClusterKeysResult>;
  /** Counters and gauges for `/metrics` and `hearsay info`; cheap, called on every scrape. */
  stats(): ClusterStats;
}

export interface UserEvent {
  readonly name: string;
  readonly payload: Uint8Array;
  readonly ltime: bigint;
  readonly coalesce: boolean;
}

export interface QueryParams {
  readonly name: string;
  readonly payload: Uint8Array;
  /** Only these node names answer (empty: all). */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tag KEY matches the regular expression answer. */
  readonly filterTags?: Readonly<Record<string, string>>;
  readonly requestAck?: boolean;
  /** Default: Serf's (gossip interval × query timeout multiplier × log(n)). */
  readonly timeoutMs?: number;
}

export type QueryReply =
  | { readonly type: 'ack'; readonly from: string }
  | { readonly type: 'response'; readonly from: string; readonly payload: Uint8Array };

export interface QueryResult {
  readonly acks: readonly string[];
  readonly responses: readonly { readonly from: string; readonly payload: Uint8Array }[];
  readonly ltime: bigint;
}

export interface IncomingQuery {
  readonly name: string;
  readonly payload: Uint8Array;
  readonly from: string;
  readonly ltime: bigint;
  /** Answer (at most once, before the query's deadline); false when too late or too large. */
  respond(payload: Uint8Array): boolean;
}

export interface KeyringView {
  readonly primary: string | null;
  readonly keys: readonly string[];
}

/** The cluster-wide key operations, named as `serf keys` names its flags. */
export const CLUSTER_KEY_ACTIONS = ['install', 'use', 'remove', 'list'] as const;
export type ClusterKeyAction = (typeof CLUSTER_KEY_ACTIONS)[number];

/**
 * Serf's `KeyResponse`: how many members were asked (the live ones, this node included),
 * answered, and failed; each failing member's message (and warnings, such as a key list cut
 * to fit); for `list`, each base64 key with the number of members that have it installed
 * (`keys`) and that encrypt with it (`primaryKeys`). Success everywhere is `numErr` 0 and
 * `numResp` equal to `numNodes`.
 */
export interface ClusterKeysResult {
  readonly numNodes: number;
  readonly numResp: number;
  readonly numErr: number;
  readonly messages: Readonly<Record<string, string>>;
  readonly keys?: Readonly<Record<string, number>>;
  readonly primaryKeys?: Readonly<Record<string, number>>;
}

/** What `/metrics` exports; counters are totals since start. */
export interface ClusterStats {
  readonly membersByState: Readonly<Record<AgentMemberState, number>>;
  readonly probes: { readonly ok: number; readonly failed: number };
  readonly suspicions: number;
  readonly messagesIn: Readonly<Record<string, number>>;
  readonly messagesOut: Readonly<Record<string, number>>;
  readonly bytesIn: Readonly<Record<string, number>>;
  readonly bytesOut: Readonly<Record<string, number>>;
  /** Dropped input by reason (error code or local reason). */
  readonly dropped: Readonly<Record<string, number>>;
  /** Messages queued for gossip (memberlist's and Serf's queues together). */
  readonly broadcastQueueDepth: number;
  readonly userEvents: { readonly sent: number; readonly received: number };
  readonly queries: { readonly sent: number; readonly received: number };
  readonly healthScore: number;
}
