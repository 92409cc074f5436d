/**
 * One dissemination experiment: n simulated nodes, one rumor published at node 0 at time 0,
 * a protocol from the dissemination family, a network model and a fault schedule; run until
 * the epidemic is over and measure it.
 *
 * "Over" means: for rumor mongering (SIR), no node is infective and no message is in
 * flight — the rumor died, and its residue is final (with an anti-entropy backstop, also
 * every live node informed); for the other protocols, every live node knows the rumor.
 * In every case no scheduled fault may still be to come. Either way the run stops
 * at `durationMs` of virtual time at the latest.
 *
 * Rounds mode is the synchronous model of the papers: every node's timer fires at the same
 * instants k · period, messages take no time and are handled breadth-first within the
 * round (see event-queue.ts), so an exchange completes inside its round and a node informed
 * in round k starts spreading in round k + 1. Latency and bandwidth are ignored there; loss,
 * duplication, partitions and crashes still apply. Events mode draws latencies from the
 * link model and starts each node's timer at a random phase.
 *
 * Metrics follow the papers' definitions: residue s = fraction of nodes never informed;
 * traffic m = messages per node; t_ave / t_last = mean and last round at which a node first
 * receives the rumor (origin excluded); redundancy = item receptions per useful one.
 */

import type { NodeId } from '../core/protocol.ts';
import { Rng } from '../core/rng.ts';
import type { DisseminationEvent } from '../dissemination/messages.ts';
import { type DisseminationSpec, disseminationSpec } from '../dissemination/spec.ts';
import { Simulator } from './simulator.ts';
import type {
  DisseminationExperiment,
  DisseminationResult,
  NetworkModel,
  TimelinePoint,
} from './types.ts';

export const RUMOR_ID = 'r0';
const EMPTY = new Uint8Array(0);

export const DEFAULT_NETWORK: NetworkModel = {
  latency: { kind: 'uniform', minMs: 5, maxMs: 15 },
  loss: 0,
  duplicate: 0,
  uploadBytesPerSec: 0,
};

export const DEFAULT_EXPERIMENT: DisseminationExperiment = {
  protocol: 'push-pull',
  variant: 'feedback-counter',
  k: 2,
  fanout: 1,
  ttl: Number.POSITIVE_INFINITY,
  nodes: 1000,
  seed: 1,
  mode: 'rounds',
  periodMs: 200,
  network: DEFAULT_NETWORK,
  partitions: [],
  crashes: [],
  durationMs: 1000 * 200,
  antiEntropyPeriodMs: 0,
  messageBudgetPerPeriod: Number.POSITIVE_INFINITY,
};

export interface ProgressReport {
  /** Progress toward the end of the run, in [0, 1]. */
  readonly fraction: number;
  /** Virtual time in ms. */
  readonly t: number;
  /** Nodes currently informed. */
  readonly informed: number;
}

export interface RunOptions {
  readonly onProgress?: (p: ProgressReport) => void;
}

const S = 0;
const I = 1;
const R = 2;

/** Build the protocol spec an experiment runs. */
export function experimentSpec(exp: DisseminationExperiment): DisseminationSpec {
  return disseminationSpec({
    protocol: exp.protocol,
    variant: exp.variant,
    k: exp.k,
    fanout: exp.fanout,
    ttl: exp.ttl,
    periodMs: exp.periodMs,
    antiEntropyPeriodMs: exp.antiEntropyPeriodMs,
    messageBudgetPerPeriod: exp.messageBudgetPerPeriod,
    jitterStart: exp.mode === 'events',
  });
}

export function runDissemination(
  exp: DisseminationExperiment,
  opts: RunOptions = {},
): DisseminationResult {
  const wallStart = performance.now();
  const n = exp.nodes;
  const period = exp.periodMs;
  const rounds = exp.mode === 'rounds';
  const isRumor = exp.protocol === 'rumor';

  // Per-node epidemic state for the tracked rumor.
  const state = new Uint8Array(n);
  const firstAt = new Float64Array(n).fill(Number.NaN);
  const lastAt = new Float64Array(n).fill(Number.NaN);
  let informed = 0; // live nodes in I or R
  let removed = 0; // live nodes in R
  let everInformed = 0;
  let useful = 0;
  let duplicates = 0;
  let up = n;

  const onEvent = (node: NodeId, e: DisseminationEvent, now: number): void => {
    switch (e.type) {
      case 'deliver':
        if (e.id !== RUMOR_ID || state[node] !== S) return;
        state[node] = I;
        informed++;
        if (Number.isNaN(firstAt[node]!)) {
          firstAt[node] = now;
          everInformed++;
        }
        lastAt[node] = now;
        if (e.hops > 0) useful++;
        return;
      case 'duplicate':
        if (e.id === RUMOR_ID) duplicates++;
        return;
      case 'removed':
        if (e.id === RUMOR_ID && state[node] === I) {
          state[node] = R;
          removed++;
        }
        return;
      case 'budget-exhausted':
        return;
    }
  };

  const network: NetworkModel = rounds
    ? { ...exp.network, latency: { kind: 'constant', ms: 0 }, uploadBytesPerSec: 0 }
    : exp.network;
  const sim = new Simulator({
    spec: experimentSpec(exp),
    nodes: n,
    seed: exp.seed,
    network,
    onEvent,
    traceEvents: exp.traceEvents ?? true,
  });

  // Faults, drawn from their own stream so they do not perturb protocol choices.
  const faultRng = new Rng(exp.seed).fork().fork();
  let pendingFaults = 0;
  const fault = (atMs: number, fn: () => void): void => {
    if (!Number.isFinite(atMs) || atMs > exp.durationMs) return;
    pendingFaults++;
    sim.at(atMs, () => {
      pendingFaults--;
      fn();
    });
  };
  const pick = (fraction: number): NodeId[] => {
    const count = Math.round(fraction * n);
    const chosen = new Set<NodeId>();
    while (chosen.size < Math.min(count, n)) chosen.add(faultRng.int(n));
    return [...chosen];
  };
  for (const p of exp.partitions) {
    const side = pick(p.fraction);
    fault(p.atMs, () => sim.partition(side));
    fault(p.healMs, () => sim.repair());
  }
  for (const c of exp.crashes) {
    const victims = pick(c.fraction);
    fault(c.atMs, () => {
      for (const v of victims) {
        if (!sim.isUp(v)) continue;
        sim.crash(v);
        up--;
        // A crash loses volatile state: the node is susceptible again when it comes back.
        if (state[v] !== S) informed--;
        if (state[v] === R) removed--;
        state[v] = S;
      }
    });
    fault(c.restartMs, () => {
      for (const v of victims) {
        if (sim.isUp(v)) continue;
        sim.restart(v);
        up++;
      }
    });
  }

  // Sampling: once per period, half a period after the round's timers in rounds mode.
  const timeline: TimelinePoint[] = [];
  const sample = (): void => {
    const t = rounds ? Math.round((sim.now - period / 2) / period) : sim.now;
    const infected = informed - removed;
    timeline.push({
      t,
      susceptible: n - informed,
      infected,
      removed,
      messages: sim.stats.messagesSent,
    });
    opts.onProgress?.({
      fraction: Math.min(1, Math.max(sim.now / exp.durationMs, informed / n)),
      t: sim.now,
      informed,
    });
  };
  const scheduleSample = (at: number): void => {
    if (at > exp.durationMs) return;
    sim.at(at, () => {
      sample();
      scheduleSample(at + period);
    });
  };

  sim.invoke(0, (p, ctx) => p.publish(ctx, RUMOR_ID, EMPTY));
  sample();
  scheduleSample(rounds ? period * 1.5 : period);

  // A rumor backed by anti-entropy is over when everyone knows *and* the rumor has died
  // (so its traffic is fully counted); a bare rumor is over when it has died.
  const quiescent = (): boolean => informed - removed === 0 && sim.stats.messagesInFlight === 0;
  const done =
    isRumor && exp.antiEntropyPeriodMs > 0
      ? () => informed === up && pendingFaults === 0 && quiescent()
      : isRumor
        ? () => quiescent() && pendingFaults === 0
        : () => informed === up && pendingFaults === 0;
  const stopped = sim.run(exp.durationMs, done);
  if (stopped) sample();

  // Coverage times from first-delivery times (k-th informed node).
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(firstAt[i]!)) firsts.push(firstAt[i]!);
  firsts.sort((a, b) => a - b);
  const timeToFraction = (q: number): number | null => {
    const k = Math.ceil(q * n);
    return k <= firsts.length ? firsts[k - 1]! : null;
  };
  let timeToFullMs: number | null = null;
  if (informed === up && up > 0) {
    timeToFullMs = 0;
    for (let i = 0; i < n; i++) if (sim.isUp(i)) timeToFullMs = Math.max(timeToFullMs, lastAt[i]!);
  }
  // Rounds mode: events happen at exact multiples of the period. Events mode: a fraction.
  const roundsOf = (ms: number): number => (rounds ? Math.round(ms / period) : ms / period);
  const toRounds = (ms: number | null): number | null => (ms === null ? null : roundsOf(ms));

  let tSum = 0;
  let tCount = 0;
  let tLast: number | null = null;
  for (let i = 1; i < n; i++) {
    const f = firstAt[i]!;
    if (Number.isNaN(f)) continue;
    const r = roundsOf(f);
    tSum += r;
    tCount++;
    tLast = tLast === null ? r : Math.max(tLast, r);
  }

  const stats = sim.stats;
  return {
    seed: exp.seed,
    nodes: n,
    protocol: exp.protocol,
    variant: isRumor ? exp.variant : null,
    mode: exp.mode,
    coverage: up === 0 ? 0 : informed / up,
    residue: (n - everInformed) / n,
    timeTo50Ms: timeToFraction(0.5),
    timeTo99Ms: timeToFraction(0.99),
    timeToFullMs,
    roundsTo50: toRounds(timeToFraction(0.5)),
    roundsTo99: toRounds(timeToFraction(0.99)),
    roundsToFull: toRounds(timeToFullMs),
    tAve: tCount > 0 ? tSum / tCount : null,
    tLast,
    messagesPerNode: stats.messagesSent / n,
    bytesPerNode: stats.bytesSent / n,
    redundancy: useful > 0 ? (useful + duplicates) / useful : 0,
    deliveries: useful + duplicates,
    messagesByType: Object.fromEntries([...stats.messagesByType].sort()),
    droppedByReason: Object.fromEntries([...stats.droppedByReason].sort()),
    traceHash: sim.traceHash(),
    virtualTimeMs: sim.now,
    wallMs: performance.now() - wallStart,
    timeline,
  };
}
