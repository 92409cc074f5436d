/**
 * The protocol contract: every hearsay protocol is a sans-I/O state machine.
 *
 * A protocol never touches a socket, a timer or `Math.random`. A host (the simulator in
 * `src/sim`, the real UDP host in `src/net`) owns all I/O and drives the protocol through
 * four inputs, always in this order:
 *
 *   1. `start(ctx)` once, when the host brings the node up (and again after a restart,
 *      on a fresh instance: a crash loses all volatile state);
 *   2. any number of `handleMessage(ctx, from, msg)` and `handleTimer(ctx, timer)` calls,
 *      never concurrently, each with the context valid only for that call;
 *   3. `stop(ctx)` once, on graceful shutdown (a crash skips it).
 *
 * Application commands (publish a rumor, read state) are plain methods on the protocol
 * that also take a `ctx`; hosts expose them through `invoke`.
 *
 * Outputs go through the context: `send` (unreliable datagram, may be lost, duplicated or
 * reordered), `sendReliable` (ordered stream, may still fail if the peer is down),
 * `setTimer`/`cancelTimer` (one pending timer per kind per node: setting a kind again
 * replaces it), and `emit` (events for the application and for metrics). Time (`now`, in
 * milliseconds) and randomness (`rng`) are read from the context and nowhere else, so a
 * seed plus the inputs replays a run exactly.
 *
 * Peers are opaque numeric ids. The simulator numbers nodes 0..n-1; the real host maps
 * addresses to ids in its address book. Peer *sampling* is a host service (`randomPeer`)
 * so that the simulator can draw uniformly from a million nodes without a per-node list,
 * and so that membership (SWIM) can later supply the view on the real host.
 */

import type { Rng } from './rng.ts';

export type NodeId = number;

/** Sentinel returned by peer sampling when the node knows no other peer. */
export const NO_PEER: NodeId = -1;

/** Events a protocol emits. `type` is the discriminant; hosts count events by type. */
export interface ProtocolEvent {
  readonly type: string;
}

export interface Context<M, T extends string = string, E extends ProtocolEvent = ProtocolEvent> {
  /** This node's id. */
  readonly self: NodeId;
  /** Current time in milliseconds: virtual in the simulator, monotonic in the real host. */
  readonly now: number;
  /** The node's seeded random source. */
  readonly rng: Rng;
  /** Number of peers this node can currently sample (excluding itself). */
  readonly peerCount: number;
  /** A peer chosen uniformly at random, never `self`; `NO_PEER` when there is none. */
  randomPeer(): NodeId;
  /**
   * Up to `k` distinct peers chosen uniformly at random, written into `out` (cleared first).
   * Fewer than `k` when fewer peers are known.
   */
  randomPeers(k: number, out: NodeId[]): NodeId[];
  /** Unreliable datagram. */
  send(to: NodeId, msg: M): void;
  /** Reliable, ordered stream message (TCP on the real host). */
  sendReliable(to: NodeId, msg: M): void;
  /**
   * Answer the message being handled, by the way it came: on the same stream when it came
   * by `sendReliable` (request/response exchanges such as memberlist's TCP push/pull need
   * the answer on the connection the request opened, whose far end is no listening
   * address), as a datagram to its sender otherwise. Only valid inside `handleMessage`.
   */
  reply(msg: M): void;
  /** Arm timer `kind` to fire after `delayMs`, replacing any pending timer of that kind. */
  setTimer(kind: T, delayMs: number): void;
  cancelTimer(kind: T): void;
  emit(event: E): void;
}

export interface Protocol<M, T extends string = string, E extends ProtocolEvent = ProtocolEvent> {
  start(ctx: Context<M, T, E>): void;
  stop(ctx: Context<M, T, E>): void;
  handleMessage(ctx: Context<M, T, E>, from: NodeId, msg: M): void;
  handleTimer(ctx: Context<M, T, E>, timer: T): void;
}

/**
 * How a protocol's messages cross a real wire, and what they weigh in the simulator.
 * `decode` receives hostile bytes: it must throw only `RemoteError` (typed, bounded).
 */
export interface Codec<M> {
  encode(msg: M): Uint8Array;
  decode(bytes: Uint8Array): M;
  /** Wire size in bytes without encoding (used by the simulator's bandwidth model). */
  sizeOf(msg: M): number;
  /** Short label of the message type, for per-type counters. */
  typeOf(msg: M): string;
}

/**
 * Everything a host needs to run a protocol: the closed set of timer kinds (so hosts can
 * keep timers in flat tables), a factory for one node's instance, and the codec.
 */
export interface ProtocolSpec<
  M,
  T extends string = string,
  E extends ProtocolEvent = ProtocolEvent,
  P extends Protocol<M, T, E> = Protocol<M, T, E>,
> {
  readonly name: string;
  readonly timerKinds: readonly T[];
  readonly codec: Codec<M>;
  create(id: NodeId): P;
}
