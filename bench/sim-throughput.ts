/**
 * Simulator throughput: message deliveries per second on one core, push-pull, 100,000
 * nodes, in both modes. The peer in the same run is the bare engine: the same simulator
 * driving a protocol that does nothing but answer (one message per timer, no state), so the
 * ratio shows what the dissemination protocol itself costs on top of the event loop.
 *
 * Measured over a fixed virtual duration *after* construction, so node creation is not
 * counted; the epidemic completes within it and the rest is steady-state gossip.
 *
 * A delivery is a message handed to a protocol's `handleMessage` (`stats.messagesDelivered`),
 * counted the same way for both peers. Each row carries wall seconds and the process's CPU
 * seconds (all threads, so the garbage collector's helpers count): on a shared machine the
 * CPU figure is the steadier one, and on one core the two would coincide.
 *
 * Env: BENCH_NODES, BENCH_ROUNDS (periods), BENCH_CASES (e.g. `push-pull:rounds,bare:rounds`).
 */

import type { Context, Protocol, ProtocolSpec } from '../src/core/protocol.ts';
import { disseminationSpec } from '../src/dissemination/spec.ts';
import { Simulator } from '../src/sim/simulator.ts';
import type { NetworkModel } from '../src/sim/types.ts';

const NODES = Number(process.env.BENCH_NODES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PERIOD_MS = 200;

type PingMsg = { readonly t: 'ping' };
const PING: PingMsg = { t: 'ping' };
/** One datagram to a random peer per period; receiving does nothing. */
class Bare implements Protocol<PingMsg, 'tick'> {
  start(ctx: Context<PingMsg, 'tick'>): void {
    ctx.setTimer('tick', PERIOD_MS);
  }
  stop(): void {}
  handleMessage(): void {}
  handleTimer(ctx: Context<PingMsg, 'tick'>): void {
    ctx.send(ctx.randomPeer(), PING);
    ctx.setTimer('tick', PERIOD_MS);
  }
}
const bareSpec: ProtocolSpec<PingMsg, 'tick', { type: string }, Bare> = {
  name: 'bare',
  timerKinds: ['tick'],
  codec: {
    encode: () => new Uint8Array([0]),
    decode: () => PING,
    sizeOf: () => 1,
    typeOf: () => 'ping',
  },
  create: () => new Bare(),
};

const EVENTS_NET: Partial<NetworkModel> = { latency: { kind: 'uniform', minMs: 5, maxMs: 15 } };

export interface ThroughputResult {
  readonly protocol: string;
  readonly mode: 'rounds' | 'events';
  readonly nodes: number;
  readonly deliveries: number;
  readonly events: number;
  readonly seconds: number;
  /** CPU time of this process over the run: on a shared machine, less noisy than wall. */
  readonly cpuSeconds: number;
  readonly deliveriesPerSec: number;
}

function timeRun(
  sim: {
    run(untilMs: number): boolean;
    stats: { messagesDelivered: number; eventsProcessed: number };
  },
  protocol: string,
  mode: 'rounds' | 'events',
): ThroughputResult {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  sim.run(ROUNDS * PERIOD_MS);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const deliveries = sim.stats.messagesDelivered;
  return {
    protocol,
    mode,
    nodes: NODES,
    deliveries,
    events: sim.stats.eventsProcessed,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    deliveriesPerSec: deliveries / seconds,
  };
}

function measure(protocol: 'push-pull' | 'bare', mode: 'rounds' | 'events'): ThroughputResult {
  const network = mode === 'events' ? EVENTS_NET : {};
  if (protocol === 'bare') {
    return timeRun(
      new Simulator({ spec: bareSpec, nodes: NODES, seed: 1, network }),
      protocol,
      mode,
    );
  }
  const spec = disseminationSpec({ protocol, periodMs: PERIOD_MS, jitterStart: mode === 'events' });
  const sim = new Simulator({ spec, nodes: NODES, seed: 1, network });
  sim.invoke(0, (p, ctx) => p.publish(ctx, 'r0', new Uint8Array(0)));
  return timeRun(sim, protocol, mode);
}

/** `BENCH_CASES=push-pull:rounds,bare:events` runs only those cases (for profiling). */
const CASES = process.env.BENCH_CASES?.split(',') ?? null;

export function runThroughput(): ThroughputResult[] {
  const out: ThroughputResult[] = [];
  for (const mode of ['rounds', 'events'] as const) {
    for (const protocol of ['push-pull', 'bare'] as const) {
      if (CASES === null || CASES.includes(`${protocol}:${mode}`))
        out.push(measure(protocol, mode));
    }
  }
  return out;
}

if (import.meta.main) console.log(JSON.stringify(runThroughput()));
