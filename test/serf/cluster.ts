/**
 * A Serf cluster in the simulator for scenario tests: n nodes named `node-i` at their sim
 * addresses, tagged `{ id: i }` (plus `extraTags`), every node joining through node 0, every
 * event recorded, and — when `checkWire` is on — every Serf message any node sends decoded
 * and re-encoded through the wire codec (mismatches collected in `wireErrors`).
 */

import type { NodeId } from '../../src/core/protocol.ts';
import type { SwimConfig } from '../../src/membership/swim/config.ts';
import { simAddressOf } from '../../src/membership/swim/spec.ts';
import type { SwimMessage } from '../../src/membership/types.ts';
import type { PacketMessage } from '../../src/membership/wire/messages.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import type { SerfConfigInput } from '../../src/serf/config.ts';
import type { SerfNodeEvent } from '../../src/serf/context.ts';
import type { SerfMember } from '../../src/serf/events.ts';
import { serfSpec, simSerfConfig } from '../../src/serf/spec.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import type { NetworkModel } from '../../src/sim/types.ts';

export interface Recorded {
  readonly node: NodeId;
  readonly t: number;
  readonly event: SerfNodeEvent;
}

export interface ClusterOptions {
  readonly nodes: number;
  readonly seed: number;
  readonly serf?: Partial<SerfConfigInput>;
  readonly swim?: Partial<SwimConfig>;
  readonly network?: Partial<NetworkModel>;
  readonly checkWire?: boolean;
}

export function serfCluster(opts: ClusterOptions) {
  const events: Recorded[] = [];
  const wire = { serfMessages: 0, errors: [] as string[] };
  const base = serfSpec(
    (id) => simSerfConfig(id, { tags: { id: String(id) }, ...opts.serf }, opts.swim ?? {}),
    { nodes: opts.nodes },
  );
  const spec = opts.checkWire
    ? {
        ...base,
        codec: {
          ...base.codec,
          typeOf: (msg: SwimMessage) => {
            checkSerfBytes(msg, wire);
            return base.codec.typeOf(msg);
          },
        },
      }
    : base;
  const sim = new Simulator({
    spec,
    nodes: opts.nodes,
    seed: opts.seed,
    network: { latency: { kind: 'uniform', minMs: 1, maxMs: 5 }, ...opts.network },
    onEvent: (node, event, t) => events.push({ node, t, event }),
  });

  const joinAll = (): void => {
    for (let i = 1; i < opts.nodes; i++) {
      sim.invoke(i, (p, ctx) => p.join(ctx, [simAddressOf(0)]));
    }
  };

  /** Node `viewer`'s view of node `subject` (by id). */
  const view = (viewer: NodeId, subject: NodeId): SerfMember | undefined =>
    sim.protocols[viewer]!.member(`node-${subject}`);

  /** Runs in steps of `stepMs` until `cond()` or `deadlineMs`; returns whether it held. */
  const runUntil = (cond: () => boolean, deadlineMs: number, stepMs = 250): boolean => {
    while (sim.now < deadlineMs) {
      sim.run(Math.min(sim.now + stepMs, deadlineMs));
      if (cond()) return true;
    }
    return cond();
  };

  const up = (): NodeId[] => {
    const out: NodeId[] = [];
    for (let i = 0; i < opts.nodes; i++) if (sim.isUp(i)) out.push(i);
    return out;
  };

  return { sim, events, wire, joinAll, view, runUntil, up };
}

/** Every Serf message inside a SWIM message must decode and re-encode to the same bytes. */
function checkSerfBytes(msg: SwimMessage, wire: { serfMessages: number; errors: string[] }): void {
  const check = (bytes: Uint8Array, where: string): void => {
    if (bytes.length === 0) return;
    wire.serfMessages++;
    try {
      const again = encodeSerfMessage(decodeSerfMessage(bytes, DEFAULT_SERF_LIMITS));
      if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) {
        wire.errors.push(`${where}: re-encoding differs`);
      }
    } catch (e) {
      wire.errors.push(`${where}: ${(e as Error).message}`);
    }
  };
  const walk = (m: SwimMessage | PacketMessage): void => {
    switch (m.type) {
      case 'hasCrc':
      case 'compress':
        walk(m.message);
        return;
      case 'compound':
        for (const p of m.parts) walk(p);
        return;
      case 'user':
        check(m.payload, 'user message');
        return;
      case 'pushPull':
        check(m.userState, 'push/pull state');
        return;
      default:
        return;
    }
  };
  walk(msg);
}
