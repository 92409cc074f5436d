/**
 * memberlist's messages as typed objects (HashiCorp memberlist 0.2.2, the version in the
 * Debian Serf agent, plus the later hasLabel prefix).
 *
 * A message on the wire is one type byte (`MESSAGE_TYPE`) and a body. Bodies are msgpack
 * structs written by go-msgpack; here each is a plain object whose `type` names it and whose
 * fields are the Go struct's fields in lowerCamelCase. Integers keep their Go ranges (uint32
 * sequence numbers and incarnations, uint16 ports); Go `[]byte` fields are `Uint8Array`,
 * with `null` standing for Go's nil where Go really sends nil and the difference shows on
 * the wire (`c0` versus an empty string `a0`): ack payloads and node meta.
 *
 * Where each message may travel decides the unions:
 *   - `PacketMessage`: what a UDP packet may carry after the optional CRC header: the probe
 *     messages, the gossip messages, user messages, and the two containers (compound,
 *     compress) that hold more of the same;
 *   - `StreamMessage`: what one side of a TCP exchange writes, optionally inside one
 *     compress wrapper: push/pull, ping, ack, a user message, or an err reply.
 * The encrypt wrapper (TCP frame, or the bare sealed UDP form) and the label prefix sit
 * outside these and live in `framing.ts` and `src/net/security`.
 *
 * What is not here: the bytes (`packet-codec.ts`, `stream-codec.ts`), the meaning (the SWIM
 * state machine), and Serf's messages carried inside user messages and user state
 * (`serf/`).
 */

/** memberlist's `messageType` codes. */
export const MESSAGE_TYPE = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nack: 11,
  hasCrc: 12,
  err: 13,
  /** Added after 0.2.2 (memberlist 0.3): a label prefix on packets and streams. */
  hasLabel: 244,
} as const;

export type MessageTypeName = keyof typeof MESSAGE_TYPE;

/** memberlist's `NodeStateType` as carried in push/pull node states. */
export const NODE_STATE = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;

/** The only compression algorithm memberlist knows (`compress.Algo`). */
export const COMPRESSION_ALGO_LZW = 0;

/**
 * `Vsn`: protocol min/max/current, then delegate (Serf) min/max/current. Six bytes on the
 * wire; the Serf agent sends [1, 5, 2, 2, 5, 5].
 */
export type Vsn = readonly [
  protocolMin: number,
  protocolMax: number,
  protocolCur: number,
  delegateMin: number,
  delegateMax: number,
  delegateCur: number,
];

/**
 * Direct probe. `node` names the intended target (a receiver with another name ignores it).
 * `sourceAddr`/`sourcePort`/`sourceNode` say where the ack goes; empty/0/'' = absent
 * (they are `omitempty` in Go).
 */
export interface Ping {
  readonly type: 'ping';
  readonly seqNo: number;
  readonly node: string;
  readonly sourceAddr: Uint8Array;
  readonly sourcePort: number;
  readonly sourceNode: string;
}

/** Ask a helper to probe `target:port` (named `node`) for us. */
export interface IndirectPing {
  readonly type: 'indirectPing';
  readonly seqNo: number;
  readonly target: Uint8Array;
  readonly port: number;
  readonly node: string;
  /** The requester wants a nack if the target stays silent (helpers with protocol ≥ 4). */
  readonly nack: boolean;
  readonly sourceAddr: Uint8Array;
  readonly sourcePort: number;
  readonly sourceNode: string;
}

/** Reply to a ping; `payload` is the ping delegate's data (Serf: a network coordinate). */
export interface Ack {
  readonly type: 'ack';
  readonly seqNo: number;
  readonly payload: Uint8Array | null;
}

/** An indirect probe's helper heard nothing from the target. */
export interface Nack {
  readonly type: 'nack';
  readonly seqNo: number;
}

export interface Suspect {
  readonly type: 'suspect';
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

export interface Alive {
  readonly type: 'alive';
  readonly incarnation: number;
  readonly node: string;
  readonly addr: Uint8Array;
  readonly port: number;
  /** Delegate metadata (Serf: tags), ≤ 512 bytes; null is Go's nil (a node without delegate). */
  readonly meta: Uint8Array | null;
  /** null when absent or empty (a protocol-1 node): such a node counts as version 0. */
  readonly vsn: Vsn | null;
}

/** Dead, or a graceful leave when `from === node`. */
export interface Dead {
  readonly type: 'dead';
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/**
 * Opaque delegate bytes (Serf messages). On UDP they follow the type byte directly; on a
 * stream they are preceded by `userMsgHeader{UserMsgLen}`.
 */
export interface User {
  readonly type: 'user';
  readonly payload: Uint8Array;
}

/** Several messages in one packet: UDP only, at most 127 parts, none empty. */
export interface Compound {
  readonly type: 'compound';
  readonly parts: readonly PacketMessage[];
}

/** An LZW-compressed message (`Algo` 0); compressed again when encoded. */
export interface Compress<M> {
  readonly type: 'compress';
  readonly message: M;
}

/** CRC-32 header of a UDP packet (protocol ≥ 5); the checksum is computed when encoding. */
export interface HasCrc {
  readonly type: 'hasCrc';
  readonly message: PacketMessage;
}

export type PacketMessage =
  | Ping
  | IndirectPing
  | Ack
  | Nack
  | Suspect
  | Alive
  | Dead
  | User
  | Compound
  | Compress<PacketMessage>;

/** A whole (decrypted, unlabelled) UDP packet. */
export type Packet = PacketMessage | HasCrc;

/** One entry of a push/pull's node list. */
export interface PushNodeState {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array | null;
  readonly incarnation: number;
  /**
   * `NODE_STATE` code. Kept as a number: Go ignores unknown states during the merge rather
   * than failing the exchange, so the state machine decides.
   */
  readonly state: number;
  readonly vsn: Vsn | null;
}

/** State exchange (join, anti-entropy). `userState` is the delegate's (Serf's) bytes. */
export interface PushPull {
  readonly type: 'pushPull';
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  readonly userState: Uint8Array;
}

/** Error reply on a stream. */
export interface ErrResp {
  readonly type: 'err';
  readonly error: string;
}

export type StreamMessage = PushPull | Ping | Ack | User | ErrResp;

/** One side of a (decrypted, unlabelled) TCP exchange. */
export type Stream = StreamMessage | Compress<StreamMessage>;
