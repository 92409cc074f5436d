/**
 * Test harness for SWIM in the simulator: a cluster of `n` SwimNodes with sim names and
 * addresses, every emitted event recorded per node, and helpers to join, wait on
 * conditions in virtual time, and read each node's view.
 */

import type { NodeId } from '../../../src/core/protocol.ts';
import { LAN_CONFIG, type SwimConfig } from '../../../src/membership/swim/config.ts';
import type { SwimEvent } from '../../../src/membership/swim/events.ts';
import type { SwimNode, SwimTimer } from '../../../src/membership/swim/node.ts';
import {
  type SwimSpecOptions,
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
  } = {},
): Cluster {
  const events: RecordedEvent[] = [];
  const configFor =
    opts.configFor ??
    ((id: NodeId) => simSwimConfig(id, opts.config ?? {}, opts.preset ?? LAN_CONFIG));
  const sim: SwimSim = new Simulator({
    spec: swimSpec(configFor, { nodes: n, ...opts.spec }),
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
  };
  return c;
}
