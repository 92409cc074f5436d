/**
 * The context the Serf layer hands to its SwimNode: the host's context, forwarded, with
 * SWIM's events passing through a filter first.
 *
 * Why a wrapper: the Serf layer must react to two SWIM lifecycle events (a join succeeded:
 * broadcast our join intent; memberlist's leave finished: start the propagation delay), and
 * SWIM's own member events (`member-join`, `member-leave`, `member-update`) must not reach
 * the application beside Serf's events of the same names — Serf's member view replaces
 * memberlist's, as in Serf itself. Everything else (timers, sends, randomness, the other
 * SWIM events) goes straight through.
 *
 * One wrapper lives per node and is re-pointed at the host's context on entry to every call
 * (`enter`/`exit`), so no object is allocated per message. Serf's own events bypass the
 * filter (`emitSerf`).
 */

import { assert } from '../core/errors.ts';
import type { Context, NodeId } from '../core/protocol.ts';
import type { Rng } from '../core/rng.ts';
import type { SwimEvent } from '../membership/swim/events.ts';
import type { SwimTimer } from '../membership/swim/node.ts';
import type { SwimMessage } from '../membership/types.ts';
import type { SerfEvent } from './events.ts';

/** The SWIM member events the Serf layer replaces with its own. */
export type ReplacedSwimEvent = Extract<
  SwimEvent,
  { type: 'member-join' | 'member-leave' | 'member-update' }
>;

/** Everything a Serf node emits: Serf's events and SWIM's other events. */
export type SerfNodeEvent = Exclude<SwimEvent, ReplacedSwimEvent> | SerfEvent;

export const SERF_TIMERS = ['serf-reap', 'serf-leave', 'serf-reconnect', 'serf-query'] as const;
export type SerfTimer = (typeof SERF_TIMERS)[number];

export type SerfContext = Context<SwimMessage, SwimTimer | SerfTimer, SerfNodeEvent>;

export class SwimFacingContext implements Context<SwimMessage, SwimTimer | SerfTimer, SwimEvent> {
  #inner: SerfContext | null = null;
  /** Sees every SWIM event first; returns whether to pass it on to the host. */
  readonly #onSwimEvent: (event: SwimEvent) => boolean;

  constructor(onSwimEvent: (event: SwimEvent) => boolean) {
    this.#onSwimEvent = onSwimEvent;
  }

  /** Points the wrapper at the host's context for one call; returns the previous one. */
  enter(ctx: SerfContext): SerfContext | null {
    const previous = this.#inner;
    this.#inner = ctx;
    return previous;
  }

  exit(previous: SerfContext | null): void {
    this.#inner = previous;
  }

  get #ctx(): SerfContext {
    const ctx = this.#inner;
    assert(ctx !== null, 'Serf context used outside a protocol call');
    return ctx;
  }

  get self(): NodeId {
    return this.#ctx.self;
  }
  get now(): number {
    return this.#ctx.now;
  }
  get rng(): Rng {
    return this.#ctx.rng;
  }
  get peerCount(): number {
    return this.#ctx.peerCount;
  }
  randomPeer(): NodeId {
    return this.#ctx.randomPeer();
  }
  randomPeers(k: number, out: NodeId[]): NodeId[] {
    return this.#ctx.randomPeers(k, out);
  }
  send(to: NodeId, msg: SwimMessage): void {
    this.#ctx.send(to, msg);
  }
  sendReliable(to: NodeId, msg: SwimMessage): void {
    this.#ctx.sendReliable(to, msg);
  }
  reply(msg: SwimMessage): void {
    this.#ctx.reply(msg);
  }
  setTimer(kind: SwimTimer | SerfTimer, delayMs: number): void {
    this.#ctx.setTimer(kind, delayMs);
  }
  cancelTimer(kind: SwimTimer | SerfTimer): void {
    this.#ctx.cancelTimer(kind);
  }

  /** SWIM's events: filtered. */
  emit(event: SwimEvent): void {
    if (this.#onSwimEvent(event)) this.#ctx.emit(event as Exclude<SwimEvent, ReplacedSwimEvent>);
  }

  /** Serf's events: straight to the host. */
  emitSerf(event: SerfEvent): void {
    this.#ctx.emit(event);
  }
}
