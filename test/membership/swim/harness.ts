/**
 * Test harness for SWIM in the simulator: a cluster of `n` SwimNodes with sim names and
 * addresses, every emitted event recorded per node, and helpers to join, wait on
 * conditions in virtual time, and read each node's view.
 */

import type { NodeId } from '../../../src/core/protocol.ts';
import { LAN_CONFIG, type SwimConfig } from '../../../src/membership/swim/config.ts';
import type { SwimEvent } from '../../../src/membership/swim/events.ts';
import {
  type SwimContext,
  type SwimDeps,
  SwimNode,
  type SwimTimer,
} from '../../../src/membership/swim/node.ts';
import {
  type SwimSpec,
  type SwimSpecOptions,
  simAddressMap,
  simAddressOf,
  simNodeName,
  simSwimConfig,
  swimSpec,
} from '../../../src/membership/swim/spec.ts';
import type { MemberState, SwimMessage } from '../../../src/membership/types.ts';
import { Simulator } from '../../../src/sim/simulator.ts';
import type { NetworkModel } from '../../../src/sim/types.ts';

export type SwimSim = Simulator<SwimMessage, SwimTimer, SwimEvent, SwimNode>;

export interface RecordedEvent {
  readonly node: NodeId;
  readonly atMs: number;
  readonly event: SwimEvent;
}

export type SendHow = 'send' | 'reliable' | 'reply';

/** Watches (and may drop) every message a node hands its context. */
export interface Tap {
  /** True drops the message at the sender. `to` is -1 for a reply. */
  drop?(from: NodeId, to: NodeId, msg: SwimMessage, how: SendHow): boolean;
  record?(from: NodeId, to: NodeId, msg: SwimMessage, how: SendHow): void;
}

function tapped(ctx: SwimContext, tap: Tap): SwimContext {
  const out = (to: NodeId, msg: SwimMessage, how: SendHow): boolean => {
    if (tap.drop?.(ctx.self, to, msg, how)) return false;
    tap.record?.(ctx.self, to, msg, how);
    return true;
  };
  return {
    get self() {
      return ctx.self;
    },
    get now() {
      return ctx.now;
    },
    get rng() {
      return ctx.rng;
    },
    get peerCount() {
      return ctx.peerCount;
    },
    randomPeer: () => ctx.randomPeer(),
    randomPeers: (k, o) => ctx.randomPeers(k, o),
    send: (to, msg) => {
      if (out(to, msg, 'send')) ctx.send(to, msg);
    },
    sendReliable: (to, msg) => {
      if (out(to, msg, 'reliable')) ctx.sendReliable(to, msg);
    },
    reply: (msg) => {
      if (out(-1, msg, 'reply')) ctx.reply(msg);
    },
    setTimer: (kind, delayMs) => ctx.setTimer(kind, delayMs),
    cancelTimer: (kind) => ctx.cancelTimer(kind),
    emit: (e) => ctx.emit(e),
  };
}

/** A SwimNode whose every output passes through a `Tap`. */
class TappedSwimNode extends SwimNode {
  readonly #tap: Tap;
  constructor(config: SwimConfig, deps: SwimDeps, tap: Tap) {
    super(config, deps);
    this.#tap = tap;
  }
  override start(ctx: SwimContext): void {
    super.start(tapped(ctx, this.#tap));
  }
  override handleMessage(ctx: SwimContext, from: NodeId, msg: SwimMessage): void {
    super.handleMessage(tapped(ctx, this.#tap), from, msg);
  }
  override handleTimer(ctx: SwimContext, timer: SwimTimer): void {
    super.handleTimer(tapped(ctx, this.#tap), timer);
  }
  override join(ctx: SwimContext, seeds: Parameters<SwimNode['join']>[1]): void {
    super.join(tapped(ctx, this.#tap), seeds);
  }
  override leave(ctx: SwimContext): void {
    super.leave(tapped(ctx, this.#tap));
  }
  override updateMeta(ctx: SwimContext): void {
    super.updateMeta(tapped(ctx, this.#tap));
  }
  override sendUser(ctx: SwimContext, to: string, payload: Uint8Array, reliable: boolean): boolean {
    return super.sendUser(tapped(ctx, this.#tap), to, payload, reliable);
  }
}

export interface Cluster {
  readonly sim: SwimSim;
  readonly events: RecordedEvent[];
  /** Events of one type, optionally at one node. */
  of<T extends SwimEvent['type']>(
    type: T,
    node?: NodeId,
  ): (RecordedEvent & { event: Extract<SwimEvent, { type: T }> })[];
  /** Node `i` joins through node `seed`. */
  join(i: NodeId, seed?: NodeId): void;
  /** Everyone joins through node 0, now. */
  joinAll(): void;
  /** State of `target` as `viewer` sees it (undefined when unknown). */
  stateOf(viewer: NodeId, target: NodeId): MemberState | undefined;
  /** True when every live node sees every live node alive (and nobody else). */
  converged(live?: readonly NodeId[]): boolean;
  /** Runs until `cond` holds or `untilMs` passes; returns the time it held, or null. */
  runUntil(cond: () => boolean, untilMs: number): number | null;
  /** As `runUntil`, checking `cond` only every `stepMs` of virtual time (for costly checks). */
  runUntilPolled(cond: () => boolean, untilMs: number, stepMs: number): number | null;
}

export function cluster(
  n: number,
  opts: {
    seed?: number;
    config?: Partial<SwimConfig>;
    preset?: SwimConfig;
    configFor?: (id: NodeId) => SwimConfig;
    network?: Partial<NetworkModel>;
    spec?: SwimSpecOptions;
    tap?: Tap;
  } = {},
): Cluster {
  const events: RecordedEvent[] = [];
  const configFor =
    opts.configFor ??
    ((id: NodeId) => simSwimConfig(id, opts.config ?? {}, opts.preset ?? LAN_CONFIG));
  let spec: SwimSpec = swimSpec(configFor, { nodes: n, ...opts.spec });
  const tap = opts.tap;
  if (tap !== undefined) {
    const addresses = opts.spec?.addresses ?? simAddressMap(n);
    spec = {
      ...spec,
      create: (id) =>
        new TappedSwimNode(
          configFor(id),
          { addresses, delegate: opts.spec?.delegateFor?.(id) },
          tap,
        ),
    };
  }
  const sim: SwimSim = new Simulator({
    spec,
    nodes: n,
    seed: opts.seed ?? 1,
    network: opts.network ?? { latency: { kind: 'uniform', minMs: 1, maxMs: 5 } },
    onEvent: (node, event, atMs) => events.push({ node, atMs, event }),
  });
  const c: Cluster = {
    sim,
    events,
    of(type, node) {
      return events.filter(
        (e) => e.event.type === type && (node === undefined || e.node === node),
      ) as never;
    },
    join(i, seed = 0) {
      sim.invoke(i, (p, ctx) => p.join(ctx, [simAddressOf(seed)]));
    },
    joinAll() {
      for (let i = 1; i < n; i++) c.join(i, 0);
    },
    stateOf(viewer, target) {
      return sim.protocols[viewer]!.member(simNodeName(target))?.state;
    },
    converged(live) {
      const ids = live ?? [...Array(n).keys()].filter((i) => sim.isUp(i));
      for (const v of ids) {
        const p = sim.protocols[v]!;
        let alive = 0;
        for (const m of p.members()) if (m.state === 'alive') alive++;
        if (alive !== ids.length) return false;
        for (const t of ids) if (c.stateOf(v, t) !== 'alive') return false;
      }
      return true;
    },
    runUntil(cond, untilMs) {
      if (cond()) return sim.now;
      const hit = sim.run(untilMs, cond);
      return hit ? sim.now : null;
    },
    runUntilPolled(cond, untilMs, stepMs) {
      for (;;) {
        if (cond()) return sim.now;
        if (sim.now >= untilMs) return null;
        sim.run(Math.min(untilMs, sim.now + stepMs));
      }
    },
  };
  return c;
}
