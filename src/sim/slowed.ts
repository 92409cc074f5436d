/**
 * Slowed nodes: a protocol decorator that delays a node's message processing, for
 * experiments on gray failures (Lifeguard's "slow message processing": a member whose CPU
 * is starved or whose receive loop stalls handles every packet late, while its timers
 * still fire on time — which is exactly what makes it accuse healthy peers).
 *
 * Theory of operation. `slowedSpec(spec, control)` wraps every node's protocol. A message
 * that reaches a node whose `control.delayMs[id]` is above 0 is not handed to the protocol
 * but appended to the node's backlog with a due time `now + delay` (never earlier than
 * the previous entry's, so the backlog is FIFO: a slow receive path delays, it does not
 * reorder); the decorator's own timer kind, `slowed-replay`, fires at the head's due time
 * and replays every due message into the protocol. Timers, `start` and application
 * commands are not delayed. Outputs are not delayed either: they leave when the protocol
 * produces them, which for a replayed message is already late. Changing a node's delay
 * takes effect for messages arriving from then on; a backlog drains on its own schedule.
 * A crash loses the backlog with the rest of the volatile state (the simulator creates a
 * fresh instance on restart).
 *
 * Replies. `ctx.reply` is only valid during the host's `handleMessage`, and a replayed
 * message is handled later, so the decorator answers it itself: to the sender, on the
 * transport the message came by. The simulator's context does not say which transport
 * that was, so every node's context is relayed and each message handed to `sendReliable`
 * is remembered in a WeakSet shared by the cluster (`control.reliable`); a replayed
 * message found there is answered with `sendReliable`, anything else with `send`. In the
 * simulator a reply and a send to the same peer on the same transport are the same event.
 * Messages that are not objects cannot be remembered and are answered as datagrams.
 *
 * What does not live here: which nodes are slow and when (the experiment sets
 * `control.delayMs`), and any change to the simulator: the decorator is an ordinary
 * protocol with one more timer kind.
 */

import { assert } from '../core/errors.ts';
import type { Context, NodeId, Protocol, ProtocolEvent, ProtocolSpec } from '../core/protocol.ts';
import { NO_PEER } from '../core/protocol.ts';
import type { Rng } from '../core/rng.ts';

export const SLOWED_TIMER = 'slowed-replay';
export type SlowedTimer = typeof SLOWED_TIMER;

/**
 * Most messages a slowed node holds back. A real receive buffer is finite too: beyond it
 * the newest message is dropped (counted in `control.droppedBacklogFull`).
 */
export const SLOWED_BACKLOG_MAX = 1 << 16;

/** Shared, mutable knobs of one slowed cluster. */
export class SlowedControl {
  /** Processing delay per node, ms; 0 = the node handles messages at once. */
  readonly delayMs: Float64Array;
  /** Messages that went by `sendReliable` (or as replies to such), by identity. */
  readonly reliable = new WeakSet<object>();
  /** Messages dropped because a backlog was full. */
  droppedBacklogFull = 0;
  /** Messages replayed late, over all nodes. */
  replayed = 0;

  constructor(nodes: number) {
    this.delayMs = new Float64Array(nodes);
  }

  /** Sets `ms` of delay on each node in `ids` (0 makes them healthy again). */
  setDelay(ids: Iterable<NodeId>, ms: number): void {
    assert(ms >= 0 && Number.isFinite(ms), `delay must be finite and ≥ 0, got ${ms}`);
    for (const id of ids) this.delayMs[id] = ms;
  }

  isReliable(msg: unknown): boolean {
    return typeof msg === 'object' && msg !== null && this.reliable.has(msg);
  }

  remember(msg: unknown): void {
    if (typeof msg === 'object' && msg !== null) this.reliable.add(msg);
  }
}

/**
 * The context the wrapped protocol sees: the host's, except that reliable sends are
 * remembered and that a replayed message's reply is addressed by the decorator.
 */
class RelayContext<M, T extends string, E extends ProtocolEvent> implements Context<M, T, E> {
  base: Context<M, T | SlowedTimer, E>;
  readonly #control: SlowedControl;
  /** Replaying a held-back message: who sent it and how. */
  replaying = false;
  replyTo: NodeId = NO_PEER;
  replyReliable = false;
  /** Handling a message at once: whether it came reliably (its reply then does too). */
  incomingReliable = false;

  constructor(base: Context<M, T | SlowedTimer, E>, control: SlowedControl) {
    this.base = base;
    this.#control = control;
  }

  get self(): NodeId {
    return this.base.self;
  }
  get now(): number {
    return this.base.now;
  }
  get rng(): Rng {
    return this.base.rng;
  }
  get peerCount(): number {
    return this.base.peerCount;
  }
  randomPeer(): NodeId {
    return this.base.randomPeer();
  }
  randomPeers(k: number, out: NodeId[]): NodeId[] {
    return this.base.randomPeers(k, out);
  }
  send(to: NodeId, msg: M): void {
    this.base.send(to, msg);
  }
  sendReliable(to: NodeId, msg: M): void {
    this.#control.remember(msg);
    this.base.sendReliable(to, msg);
  }
  reply(msg: M): void {
    if (!this.replaying) {
      if (this.incomingReliable) this.#control.remember(msg);
      this.base.reply(msg);
      return;
    }
    assert(this.replyTo !== NO_PEER, 'reply: only valid while handling a message');
    if (this.replyReliable) this.sendReliable(this.replyTo, msg);
    else this.base.send(this.replyTo, msg);
  }
  setTimer(kind: T, delayMs: number): void {
    this.base.setTimer(kind, delayMs);
  }
  cancelTimer(kind: T): void {
    this.base.cancelTimer(kind);
  }
  emit(event: E): void {
    this.base.emit(event);
  }
}

/** One node: the wrapped protocol and its backlog of held-back messages. */
export class SlowedNode<M, T extends string, E extends ProtocolEvent, P extends Protocol<M, T, E>>
  implements Protocol<M, T | SlowedTimer, E>
{
  readonly inner: P;
  readonly #control: SlowedControl;
  #relay: RelayContext<M, T, E> | null = null;
  // The backlog as parallel arrays from `#head`; compacted when half is consumed.
  readonly #dueMs: number[] = [];
  readonly #from: NodeId[] = [];
  readonly #msgs: M[] = [];
  readonly #reliable: boolean[] = [];
  #head = 0;

  constructor(inner: P, control: SlowedControl) {
    this.inner = inner;
    this.#control = control;
  }

  /** Messages held back now. */
  get backlog(): number {
    return this.#dueMs.length - this.#head;
  }

  /** Runs an application command on the wrapped protocol with the relayed context. */
  call<R>(ctx: Context<M, T | SlowedTimer, E>, fn: (inner: P, ctx: Context<M, T, E>) => R): R {
    return fn(this.inner, this.#relayFor(ctx));
  }

  start(ctx: Context<M, T | SlowedTimer, E>): void {
    this.inner.start(this.#relayFor(ctx));
  }

  stop(ctx: Context<M, T | SlowedTimer, E>): void {
    ctx.cancelTimer(SLOWED_TIMER);
    this.inner.stop(this.#relayFor(ctx));
  }

  handleMessage(ctx: Context<M, T | SlowedTimer, E>, from: NodeId, msg: M): void {
    const control = this.#control;
    const reliable = control.isReliable(msg);
    const delayMs = control.delayMs[ctx.self]!;
    if (delayMs <= 0 && this.backlog === 0) {
      const relay = this.#relayFor(ctx);
      relay.incomingReliable = reliable;
      this.inner.handleMessage(relay, from, msg);
      relay.incomingReliable = false;
      return;
    }
    if (this.backlog >= SLOWED_BACKLOG_MAX) {
      control.droppedBacklogFull++;
      return;
    }
    const n = this.#dueMs.length;
    const lastDueMs = n > this.#head ? this.#dueMs[n - 1]! : Number.NEGATIVE_INFINITY;
    const dueMs = Math.max(ctx.now + delayMs, lastDueMs);
    const wasEmpty = this.backlog === 0;
    this.#dueMs.push(dueMs);
    this.#from.push(from);
    this.#msgs.push(msg);
    this.#reliable.push(reliable);
    if (wasEmpty) ctx.setTimer(SLOWED_TIMER, dueMs - ctx.now);
  }

  handleTimer(ctx: Context<M, T | SlowedTimer, E>, timer: T | SlowedTimer): void {
    const relay = this.#relayFor(ctx);
    if (timer !== SLOWED_TIMER) {
      this.inner.handleTimer(relay, timer);
      return;
    }
    const now = ctx.now;
    while (this.backlog > 0 && this.#dueMs[this.#head]! <= now) {
      const i = this.#head++;
      const from = this.#from[i]!;
      const msg = this.#msgs[i]!;
      relay.replaying = true;
      relay.replyTo = from;
      relay.replyReliable = this.#reliable[i]!;
      this.#msgs[i] = undefined as M; // let the message be collected
      this.#control.replayed++;
      this.inner.handleMessage(relay, from, msg);
      relay.replaying = false;
      relay.replyTo = NO_PEER;
    }
    this.#compact();
    if (this.backlog > 0) ctx.setTimer(SLOWED_TIMER, this.#dueMs[this.#head]! - now);
  }

  #relayFor(ctx: Context<M, T | SlowedTimer, E>): RelayContext<M, T, E> {
    let relay = this.#relay;
    if (relay === null) {
      relay = new RelayContext<M, T, E>(ctx, this.#control);
      this.#relay = relay;
    } else relay.base = ctx;
    return relay;
  }

  #compact(): void {
    const h = this.#head;
    if (h === 0 || h * 2 < this.#dueMs.length) return;
    this.#dueMs.splice(0, h);
    this.#from.splice(0, h);
    this.#msgs.splice(0, h);
    this.#reliable.splice(0, h);
    this.#head = 0;
  }
}

export type SlowedSpec<
  M,
  T extends string,
  E extends ProtocolEvent,
  P extends Protocol<M, T, E>,
> = ProtocolSpec<M, T | SlowedTimer, E, SlowedNode<M, T, E, P>>;

/** `spec` with every node wrapped in a `SlowedNode` driven by `control`. */
export function slowedSpec<
  M,
  T extends string,
  E extends ProtocolEvent,
  P extends Protocol<M, T, E>,
>(spec: ProtocolSpec<M, T, E, P>, control: SlowedControl): SlowedSpec<M, T, E, P> {
  assert(
    !(spec.timerKinds as readonly string[]).includes(SLOWED_TIMER),
    `timer kind ${SLOWED_TIMER} is already taken by ${spec.name}`,
  );
  return {
    name: `${spec.name}+slowed`,
    timerKinds: [...spec.timerKinds, SLOWED_TIMER],
    codec: spec.codec,
    create: (id) => new SlowedNode<M, T, E, P>(spec.create(id), control),
  };
}
