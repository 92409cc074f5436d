/**
 * Serf's messages (Serf 0.9.x, agent protocol 5) as typed objects.
 *
 * A Serf message is one Serf type byte (`SERF_MESSAGE_TYPE`) and a go-msgpack body, the
 * payload of a memberlist user message (`08 | serfType | body`) or, for push/pull, the
 * memberlist push/pull user state. Three types only ever travel inside another message's
 * payload: conflictResponse and keyResponse inside a queryResponse, keyRequest inside a
 * query. Relay (9) wraps a whole Serf message with the address it must be forwarded to.
 *
 * Conventions as in `../messages.ts`: lowerCamelCase Go field names; `bigint` for Go's
 * 64-bit Lamport times and durations (a peer may send any uint64, and a Lamport clock must
 * not lose precision); `null` for Go's nil where the wire shows it (`c0`): payloads, filter
 * and key lists, the push/pull event ring and its empty slots. Go maps are `ReadonlyMap`s
 * that keep the wire order, so a decoded message re-encodes to the same bytes although Go
 * writes maps in random order.
 */

export const SERF_MESSAGE_TYPE = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  conflictResponse: 6,
  keyRequest: 7,
  keyResponse: 8,
  relay: 9,
} as const;

export type SerfMessageTypeName = keyof typeof SERF_MESSAGE_TYPE;

/** `messageQuery.Flags` bits. */
export const QUERY_FLAG = { ack: 1, noBroadcast: 2 } as const;

/** Serf's `MemberStatus`. */
export const MEMBER_STATUS = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

/** Intent: node joined (or is alive again), stamped with the member clock. */
export interface SerfJoin {
  readonly type: 'join';
  readonly ltime: bigint;
  readonly node: string;
}

/** Intent: node leaves (`prune`: erase it from the member list). */
export interface SerfLeave {
  readonly type: 'leave';
  readonly ltime: bigint;
  readonly node: string;
  readonly prune: boolean;
}

export interface SerfUserEvent {
  readonly type: 'userEvent';
  readonly ltime: bigint;
  readonly name: string;
  readonly payload: Uint8Array | null;
  /** "Can coalesce": the receiving agent may merge bursts of this event name. */
  readonly cc: boolean;
}

export interface SerfQuery {
  readonly type: 'query';
  readonly ltime: bigint;
  /** Random 31-bit id. */
  readonly id: number;
  /** Where answers go: the originator's memberlist address. */
  readonly addr: Uint8Array;
  readonly port: number;
  readonly sourceNode: string;
  /** Encoded filters (`filters.ts`); all must match. */
  readonly filters: readonly Uint8Array[] | null;
  /** `QUERY_FLAG` bits. */
  readonly flags: number;
  readonly relayFactor: number;
  /** Go `time.Duration`, nanoseconds. */
  readonly timeoutNs: bigint;
  readonly name: string;
  readonly payload: Uint8Array | null;
}

export interface SerfQueryResponse {
  readonly type: 'queryResponse';
  readonly ltime: bigint;
  readonly id: number;
  readonly from: string;
  /** `QUERY_FLAG.ack` for an ack (then `payload` is null). */
  readonly flags: number;
  readonly payload: Uint8Array | null;
}

/** One user event remembered in the push/pull event ring. */
export interface SerfEventRecord {
  readonly name: string;
  readonly payload: Uint8Array | null;
}

/** A slot of the event ring: the events seen at one Lamport time. */
export interface SerfEventSlot {
  readonly ltime: bigint;
  readonly events: readonly SerfEventRecord[] | null;
}

/** Serf's push/pull state: the three clocks, every member's status time, left members, recent events. */
export interface SerfPushPull {
  readonly type: 'pushPull';
  readonly ltime: bigint;
  readonly statusLTimes: ReadonlyMap<string, bigint> | null;
  readonly leftMembers: readonly string[] | null;
  readonly eventLTime: bigint;
  /** Serf sends its whole 512-slot ring, null for empty slots. */
  readonly events: readonly (SerfEventSlot | null)[] | null;
  readonly queryLTime: bigint;
}

/** Serf's `Member` record, as answered to a `_serf_conflict` query. */
export interface SerfMember {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly tags: ReadonlyMap<string, string> | null;
  /** `MEMBER_STATUS` code. */
  readonly status: number;
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

export interface SerfConflictResponse {
  readonly type: 'conflictResponse';
  /** null when the responder does not know the contested name. */
  readonly member: SerfMember | null;
}

/** Payload of the `_serf_*-key` queries: the raw key (empty/nil for list). */
export interface SerfKeyRequest {
  readonly type: 'keyRequest';
  readonly key: Uint8Array | null;
}

export interface SerfKeyResponse {
  readonly type: 'keyResponse';
  readonly result: boolean;
  readonly message: string;
  /** Base64 keys, filled by list-keys only. */
  readonly keys: readonly string[] | null;
  readonly primaryKey: string;
}

/** Where a relayed message must go (Go `net.UDPAddr`). */
export interface SerfRelayAddr {
  readonly ip: Uint8Array;
  readonly port: number;
  readonly zone: string;
}

/** "Forward `message` to `destAddr` (node `destName`)": relayed query responses. */
export interface SerfRelay {
  readonly type: 'relay';
  readonly destAddr: SerfRelayAddr;
  readonly destName: string;
  /** Never itself a relay. */
  readonly message: SerfMessage;
}

export type SerfMessage =
  | SerfLeave
  | SerfJoin
  | SerfPushPull
  | SerfUserEvent
  | SerfQuery
  | SerfQueryResponse
  | SerfConflictResponse
  | SerfKeyRequest
  | SerfKeyResponse
  | SerfRelay;
