/**
 * The seams of the membership layer: what the SWIM state machine (`swim/`), the memberlist
 * transport host (`host/`), the Serf layer (`src/serf`) and the simulator agree on.
 *
 * - Messages are memberlist's own typed messages (`wire/messages.ts`). What goes out by
 *   `ctx.send` is a whole UDP packet (`Packet`: the protocol itself decides on compound
 *   piggybacking, compression and the CRC header, because those depend on the packet budget
 *   and on the target's protocol version, which only the member table knows); what goes out
 *   by `ctx.sendReliable` or `ctx.reply` on a stream is one side of a TCP exchange
 *   (`Stream`). Labels and encryption belong to the host: they depend on the keyring, not
 *   on protocol state.
 * - Peers are `NodeId`s, as everywhere in hearsay; memberlist names peers by address, so an
 *   `AddressMap` turns the address in an alive message into an id to send to and back. The
 *   simulator uses an arithmetic map (node i is 10.x.y.z:7946); the real host keeps a
 *   bounded table. For a stream request the `from` id is the connection's far end, which is
 *   an ephemeral port, not a member's address: answer it with `ctx.reply`.
 * - Upper layers hook in like memberlist's delegates (`MembershipDelegate`), with the
 *   context passed in so that they stay sans-I/O too.
 */

import type { Context, NodeId, ProtocolEvent } from '../core/protocol.ts';
import type { Packet, Stream, Vsn } from './wire/messages.ts';

/** Anything a SWIM node sends or receives: a UDP packet or one side of a TCP exchange. */
export type SwimMessage = Packet | Stream;

/** A member's advertised address: 4 (IPv4) or 16 (IPv6) bytes and a UDP/TCP port. */
export interface MemberAddress {
  readonly ip: Uint8Array;
  readonly port: number;
}

/** Address ↔ id translation, provided by the host. */
export interface AddressMap {
  /** The id to send to for this address; the same address always maps to the same id. */
  idOf(ip: Uint8Array, port: number): NodeId;
  /** The address behind an id, or undefined when the id is unknown (or was evicted). */
  addressOf(id: NodeId): MemberAddress | undefined;
}

/** memberlist's node states, plus Serf's reading of a graceful leave. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** A snapshot of one member-table entry, safe to hand to applications. */
export interface Member {
  readonly name: string;
  readonly ip: Uint8Array;
  readonly port: number;
  /** Delegate metadata (Serf: encoded tags), at most 512 bytes; null when the node sends nil. */
  readonly meta: Uint8Array | null;
  readonly incarnation: number;
  readonly state: MemberState;
  /** When the state last changed, in the host's milliseconds. */
  readonly stateChangedAtMs: number;
  readonly vsn: Vsn | null;
}

/**
 * Hooks for the layer above (Serf), in the spirit of memberlist's Delegate, EventDelegate
 * and PingDelegate. Every hook is optional; all run synchronously inside a protocol call.
 */
export interface MembershipDelegate<C extends Context<SwimMessage, string, ProtocolEvent>> {
  /** Metadata to advertise in our alive messages; at most `limitBytes`. */
  nodeMeta?(limitBytes: number): Uint8Array;
  /** A user message (type 8) arrived by packet or stream. */
  notifyUserMessage?(ctx: C, payload: Uint8Array): void;
  /**
   * Messages to piggyback on outgoing gossip, after memberlist's own: each costs
   * `overheadBytes` besides its length, all together at most `limitBytes`.
   */
  getBroadcasts?(overheadBytes: number, limitBytes: number): Uint8Array[];
  /** User state for a push/pull (Serf: its Lamport clocks, members' status, recent events). */
  localState?(join: boolean): Uint8Array;
  /** A remote node's user state from a push/pull. */
  mergeRemoteState?(ctx: C, state: Uint8Array, join: boolean): void;
  notifyJoin?(ctx: C, member: Member): void;
  /** The member is dead (failed) or left (`member.state` tells which). */
  notifyLeave?(ctx: C, member: Member): void;
  notifyUpdate?(ctx: C, member: Member): void;
  /** Payload for our acks (Serf: a network coordinate); null sends Go's nil. */
  ackPayload?(): Uint8Array | null;
  notifyPingComplete?(ctx: C, member: Member, rttMs: number, payload: Uint8Array | null): void;
}
