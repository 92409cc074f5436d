/**
 * One SWIM cluster in the simulator, taken through the experiments of the SWIM and
 * Lifeguard papers: a mass join, rounds of crashes, then fault phases counting false
 * positives. The reproductions (src/sim/reproduce/swim.ts, lifeguard.ts) run it over seeds
 * and configurations and print the figures beside the papers'.
 *
 * Theory of operation. All n nodes start at time 0 and join through node 0 at once
 * (memberlist's push/pull join). The run waits until every table lists all n alive — the
 * join's convergence time, and its message cost — then lets the cluster settle. Each crash
 * round crashes `crashVictims` live nodes at once and runs until every live node has marked
 * them all dead; the observer (observer.ts) records per victim the start of the first
 * failed probe, the first suspicion, the first and the last dead mark. Each fault phase
 * then applies datagram loss and/or slows a fraction of the live nodes (their message
 * processing delayed, slowed.ts) for a while, lifts the fault, and keeps counting through a
 * settle period, so that a suspicion raised late in the phase is judged by how it ends.
 *
 * Lifeguard on is memberlist's default configuration; off is lifeguard-switch.ts. Both use
 * compression off: it changes byte counts only, and LZW on every packet would dominate the
 * run time (memberlist's piggyback budget is computed before compression either way).
 * Victims and slowed nodes are drawn from a stream of their own, so a seed picks the same
 * ones with Lifeguard on and off.
 */

import { assert } from '../../core/errors.ts';
import type { NodeId } from '../../core/protocol.ts';
import { Rng } from '../../core/rng.ts';
import { LAN_CONFIG, type SwimConfig } from '../../membership/swim/config.ts';
import type { SwimEvent } from '../../membership/swim/events.ts';
import type { SwimNode, SwimTimer } from '../../membership/swim/node.ts';
import { simAddressOf, simSwimConfig } from '../../membership/swim/spec.ts';
import type { SwimMessage } from '../../membership/types.ts';
import { Simulator } from '../simulator.ts';
import { SlowedControl, type SlowedNode, type SlowedTimer, slowedSpec } from '../slowed.ts';
import type { LatencyModel } from '../types.ts';
import { LIFEGUARD_OFF, simSwimSpecWith } from './lifeguard-switch.ts';
import { type PhaseCounts, SwimObserver, type VictimTimes } from './observer.ts';

export interface FaultPhase {
  readonly name: string;
  /** Datagram loss during the phase (streams are never lost). */
  readonly loss: number;
  /** Fraction of the live nodes whose message processing is delayed. */
  readonly slowedFraction: number;
  /** How late a slowed node handles each message, ms. */
  readonly slowDelayMs: number;
  readonly durationMs: number;
  /** Fault-free time after the phase whose events still count toward it. */
  readonly settleMs: number;
}

export interface SwimExperimentOptions {
  readonly nodes: number;
  readonly seed: number;
  /** memberlist's Lifeguard (default config), or plain SWIM (lifeguard-switch.ts). */
  readonly lifeguard: boolean;
  /** More config overrides, on top of the Lifeguard switch (e.g. a suspicion tuning). */
  readonly config?: Partial<SwimConfig>;
  readonly latency: LatencyModel;
  /**
   * Start with every node joining through node 0 at once (and measure it), or start
   * converged (`SwimSpecOptions.startConverged`: every table lists everyone alive).
   */
  readonly massJoin: boolean;
  /** Give up on the join after this long (the result says null). */
  readonly joinDeadlineMs: number;
  /** Quiet time after convergence before the crash rounds. */
  readonly settleMs: number;
  readonly crashRounds: number;
  readonly crashVictims: number;
  /** Give up on a crash round after this long. */
  readonly crashDeadlineMs: number;
  readonly phases: readonly FaultPhase[];
  readonly onProgress?: (msg: string) => void;
}

export interface JoinResult {
  /** When every table listed all n alive, ms after the joins began; null if never. */
  readonly convergedMs: number | null;
  readonly messagesPerNode: number;
  readonly bytesPerNode: number;
}

export interface CrashRoundResult {
  /** Live nodes before the crash. */
  readonly liveBefore: number;
  readonly victims: readonly VictimTimes[];
}

export interface PhaseResult {
  readonly phase: FaultPhase;
  readonly slowedNodes: number;
  readonly counts: PhaseCounts;
  /** Messages and bytes sent per live node per second during the fault. */
  readonly messagesPerNodePerSec: number;
  readonly bytesPerNodePerSec: number;
  /** Messages a slowed node's backlog could not hold. */
  readonly droppedBacklogFull: number;
}

export interface SwimExperimentResult {
  readonly nodes: number;
  readonly seed: number;
  readonly lifeguard: boolean;
  readonly probeIntervalMs: number;
  /** The mass join; null when the cluster started converged. */
  readonly join: JoinResult | null;
  readonly crashRounds: readonly CrashRoundResult[];
  readonly phases: readonly PhaseResult[];
  readonly virtualTimeMs: number;
  readonly wallMs: number;
}

type Node = SlowedNode<SwimMessage, SwimTimer, SwimEvent, SwimNode>;

/** Config overrides common to every experiment node, Lifeguard switch included. */
export function experimentConfig(
  lifeguard: boolean,
  extra: Partial<SwimConfig> = {},
): Partial<SwimConfig> {
  return { enableCompression: false, ...(lifeguard ? {} : LIFEGUARD_OFF), ...extra };
}

/** Progress is reported at most this often, in virtual time. */
const PROGRESS_STEP_MS = 10_000;

export function runSwimExperiment(o: SwimExperimentOptions): SwimExperimentResult {
  const wallStart = performance.now();
  const n = o.nodes;
  assert(Number.isInteger(n) && n >= 2, `nodes must be an integer ≥ 2, got ${n}`);
  const overrides = experimentConfig(o.lifeguard, o.config);
  const configFor = (id: NodeId): SwimConfig => simSwimConfig(id, overrides, LAN_CONFIG);
  const probeIntervalMs = configFor(0).probeIntervalMs;
  const control = new SlowedControl(n);
  const spec = slowedSpec(simSwimSpecWith(configFor, n, o.lifeguard, !o.massJoin), control);
  const obs = new SwimObserver(n, probeIntervalMs);
  const sim = new Simulator({
    spec,
    nodes: n,
    seed: o.seed,
    network: { latency: o.latency, loss: 0 },
    traceEvents: false,
    onEvent: obs.onEvent,
  });
  const label = `lifeguard ${o.lifeguard ? 'on' : 'off'}, seed ${o.seed}`;
  const progress = o.onProgress ?? (() => {});
  // Victims and slowed nodes: a stream of our own, independent of the protocols'.
  const pick = new Rng((o.seed * 0x9e3779b1) ^ 0x5a17);

  const join = o.massJoin
    ? massJoin(sim, obs, n, o.joinDeadlineMs, (m) => progress(`${label}: ${m}`))
    : null;
  sim.run(sim.now + o.settleMs);

  // --- crash rounds ----------------------------------------------------------------
  const crashRounds: CrashRoundResult[] = [];
  for (let r = 0; r < o.crashRounds; r++) {
    const live = upNodes(sim, n);
    const victims = pickSome(pick, live, o.crashVictims);
    const crashAtMs = sim.now;
    for (const v of victims) sim.crash(v);
    obs.beginCrashRound(victims, crashAtMs, live.length - victims.length);
    while (obs.victimsPending > 0 && sim.now < crashAtMs + o.crashDeadlineMs) {
      sim.run(Math.min(crashAtMs + o.crashDeadlineMs, sim.now + PROGRESS_STEP_MS), () => {
        return obs.victimsPending === 0;
      });
      progress(`${label}: crash round ${r + 1}/${o.crashRounds}, ${obs.victimsPending} pending`);
    }
    crashRounds.push({ liveBefore: live.length, victims: obs.endCrashRound() });
  }

  // --- fault phases ----------------------------------------------------------------
  const phases: PhaseResult[] = [];
  for (const phase of o.phases) {
    const live = upNodes(sim, n);
    const slowed = pickSome(pick, live, Math.round(phase.slowedFraction * live.length));
    const droppedBefore = control.droppedBacklogFull;
    control.setDelay(slowed, phase.slowDelayMs);
    sim.setLinkLoss(phase.loss);
    obs.beginPhase(slowed);
    const startMs = sim.now;
    const sent0 = sim.stats.messagesSent;
    const bytes0 = sim.stats.bytesSent;
    while (sim.now < startMs + phase.durationMs) {
      sim.run(Math.min(startMs + phase.durationMs, sim.now + PROGRESS_STEP_MS));
      progress(`${label}: ${phase.name}, ${((sim.now - startMs) / 1000).toFixed(0)} s`);
    }
    const perNodeSec = live.length * (phase.durationMs / 1000);
    const messagesPerNodePerSec = (sim.stats.messagesSent - sent0) / perNodeSec;
    const bytesPerNodePerSec = (sim.stats.bytesSent - bytes0) / perNodeSec;
    control.setDelay(slowed, 0);
    sim.setLinkLoss(0);
    sim.run(sim.now + phase.settleMs);
    phases.push({
      phase,
      slowedNodes: slowed.length,
      counts: obs.endPhase(),
      messagesPerNodePerSec,
      bytesPerNodePerSec,
      droppedBacklogFull: control.droppedBacklogFull - droppedBefore,
    });
  }

  return {
    nodes: n,
    seed: o.seed,
    lifeguard: o.lifeguard,
    probeIntervalMs,
    join,
    crashRounds,
    phases,
    virtualTimeMs: sim.now,
    wallMs: performance.now() - wallStart,
  };
}

type Sim = Simulator<SwimMessage, SwimTimer | SlowedTimer, SwimEvent, Node>;

/** All nodes join through node 0 at once; runs until every table lists all n alive. */
function massJoin(
  sim: Sim,
  obs: SwimObserver,
  n: number,
  deadlineMs: number,
  progress: (msg: string) => void,
): JoinResult {
  const seed0 = [simAddressOf(0)];
  for (let i = 1; i < n; i++) {
    sim.invoke(i, (p: Node, ctx) => p.call(ctx, (node, c) => node.join(c, seed0)));
  }
  let convergedMs: number | null = null;
  while (sim.now < deadlineMs) {
    const stepEnd = Math.min(deadlineMs, sim.now + PROGRESS_STEP_MS);
    sim.run(stepEnd, () => obs.joinedAll === n);
    if (obs.joinedAll === n && allAlive(sim.protocols, n, obs.suspicionsSeen === 0)) {
      convergedMs = sim.now;
      break;
    }
    if (obs.joinedAll === n) sim.run(sim.now + 100);
    progress(`join, ${(sim.now / 1000).toFixed(0)} s, ${obs.joinedAll}/${n} complete`);
  }
  return {
    convergedMs,
    messagesPerNode: sim.stats.messagesSent / n,
    bytesPerNode: sim.stats.bytesSent / n,
  };
}

/**
 * True when every node's table lists all n alive. `countsSuffice`: no suspicion has been
 * raised, so alive-or-suspect counts are alive counts (the cheap check).
 */
function allAlive(protocols: readonly Node[], n: number, countsSuffice: boolean): boolean {
  for (const p of protocols) {
    if (p.inner.numMembers() !== n) return false;
  }
  if (countsSuffice) return true;
  for (const p of protocols) {
    for (const m of p.inner.members()) if (m.state !== 'alive') return false;
  }
  return true;
}

function upNodes(
  sim: Simulator<SwimMessage, SwimTimer | SlowedTimer, SwimEvent, Node>,
  n: number,
): NodeId[] {
  const out: NodeId[] = [];
  for (let i = 0; i < n; i++) if (sim.isUp(i)) out.push(i);
  return out;
}

/** `k` distinct ids from `from`, uniformly. */
function pickSome(rng: Rng, from: readonly NodeId[], k: number): NodeId[] {
  const pool = [...from];
  assert(k >= 0 && k <= pool.length, `cannot pick ${k} of ${pool.length}`);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}
