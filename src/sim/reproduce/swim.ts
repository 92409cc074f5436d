/**
 * Reproduction: SWIM (Das, Gupta, Motivala, DSN 2002) at n = 1000 in the simulator, with
 * memberlist's LAN timing and Lifeguard on (memberlist's default) — a mass join, then
 * rounds of crashes.
 *
 * What the paper states and what we compare it with:
 *
 *  - Expected time to first detection of a crashed member: T′ / (1 − e^(−q_f)) → e/(e − 1)
 *    ≈ 1.58 protocol periods. The paper's model is synchronous: in each period every member
 *    pings one member, so the victim is pinged in a period with probability 1 − e^(−q_f),
 *    and detection is counted at the end of the first period in which it is pinged. In
 *    memberlist every member probes on its own timer (random phase) and walks a shuffled
 *    list, so the first ping of the victim after the crash comes after X periods, X close to
 *    exponential with rate λ = (live − victims) / (live − 1) pings per period; rounded up
 *    to whole periods, E⌈X⌉ = 1 / (1 − e^(−λ)) is exactly the paper's expression (λ plays
 *    q_f). A probe then fails only when its whole (awareness-scaled) interval has passed
 *    without an ack, so memberlist's first *suspicion* comes at X + 1 period: 1/λ + 1 ≈ 2.0
 *    periods. We report X, ⌈X⌉ and the first suspicion beside those expectations.
 *  - After suspicion, memberlist declares the member dead when the (Lifeguard) suspicion
 *    timeout expires: 4 × log10(n) s = 12 s at n = 1000 once two independent confirmations
 *    have come; then the dead message spreads by gossip. We report the first dead mark, the
 *    last (every live node), and the spread between them in periods against SWIM's
 *    O(log n), with push gossip's log_{f+1} n + ln n / f rounds (fanout f = 3, a round every
 *    200 ms) as a yardstick.
 *  - The mass join has no paper figure; it is reported (time until every table lists all n
 *    alive, messages per node) beside the one-rumor gossip time, for scale.
 */

import { LAN_CONFIG } from '../../membership/swim/config.ts';
import { suspicionBounds } from '../../membership/swim/formulas.ts';
import {
  type CrashRoundResult,
  runSwimExperiment,
  type SwimExperimentResult,
} from '../swim/experiment.ts';
import type { LatencyModel } from '../types.ts';
import { formatSummary, type Summary, summarize } from './stats.ts';
import { textTable } from './table.ts';

export const SWIM_NODES = 1000;
/** Link latency of every SWIM reproduction: log-normal, median 1 ms (a LAN). */
export const SWIM_LATENCY: LatencyModel = { kind: 'lognormal', medianMs: 1, sigma: 0.5 };
/** The paper's limit for q_f → 1: e / (e − 1). */
export const SWIM_FIRST_DETECTION_PERIODS = Math.E / (Math.E - 1);

/** The paper's expected periods to first detection: 1 / (1 − e^(−q)). */
export function swimFirstDetectionPeriods(q: number): number {
  return 1 / (1 - Math.exp(-q));
}

/** Push gossip's rounds to reach all n with fanout f: log_{f+1} n + ln n / f. */
export function pushGossipRounds(n: number, fanout: number): number {
  return Math.log(n) / Math.log(fanout + 1) + Math.log(n) / fanout;
}

export interface DetectionSummary {
  readonly victims: number;
  /** X: first ping of the victim (start of the first failed probe), periods after the crash. */
  readonly firstPing: Summary;
  /** ⌈X⌉: the same in whole periods, the paper's unit. */
  readonly firstPingWhole: Summary;
  readonly firstSuspicion: Summary;
  readonly firstDead: Summary;
  readonly allDead: Summary;
  /** allDead − firstDead, periods. */
  readonly dissemination: Summary;
  /** Medians, periods: detection latency as the Lifeguard paper reports it. */
  readonly firstDeadMedian: number;
  readonly allDeadMedian: number;
  /** Mean over victims of 1/λ and of 1/(1 − e^(−λ)) (see the header). */
  readonly expectedFirstPing: number;
  readonly expectedFirstPingWhole: number;
  /** Victims not declared dead everywhere before the round's deadline. */
  readonly undetected: number;
}

/** Detection figures over every victim of every round of `runs`, in probe periods. */
export function summarizeDetection(runs: readonly SwimExperimentResult[]): DetectionSummary {
  const x: number[] = [];
  const whole: number[] = [];
  const suspicion: number[] = [];
  const firstDead: number[] = [];
  const allDead: number[] = [];
  const spread: number[] = [];
  let expX = 0;
  let expWhole = 0;
  let victims = 0;
  let undetected = 0;
  for (const run of runs) {
    const periodMs = run.probeIntervalMs;
    for (const round of run.crashRounds) {
      const lambda = pingRate(round);
      for (const v of round.victims) {
        victims++;
        expX += 1 / lambda;
        expWhole += swimFirstDetectionPeriods(lambda);
        if (v.firstProbeMs !== null) {
          const periods = Math.max(0, v.firstProbeMs) / periodMs;
          x.push(periods);
          whole.push(Math.max(1, Math.ceil(periods)));
        }
        if (v.firstSuspectMs !== null) suspicion.push(v.firstSuspectMs / periodMs);
        if (v.firstDeadMs !== null) firstDead.push(v.firstDeadMs / periodMs);
        if (v.allDeadMs === null) undetected++;
        else allDead.push(v.allDeadMs / periodMs);
        if (v.allDeadMs !== null && v.firstDeadMs !== null) {
          spread.push((v.allDeadMs - v.firstDeadMs) / periodMs);
        }
      }
    }
  }
  return {
    victims,
    firstPing: summarize(x),
    firstPingWhole: summarize(whole),
    firstSuspicion: summarize(suspicion),
    firstDead: summarize(firstDead),
    allDead: summarize(allDead),
    dissemination: summarize(spread),
    firstDeadMedian: median(firstDead),
    allDeadMedian: median(allDead),
    expectedFirstPing: victims > 0 ? expX / victims : Number.NaN,
    expectedFirstPingWhole: victims > 0 ? expWhole / victims : Number.NaN,
    undetected,
  };
}

/** Pings per period that reach one victim: live probers over the members each one walks. */
export function pingRate(round: CrashRoundResult): number {
  return (round.liveBefore - round.victims.length) / (round.liveBefore - 1);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface SwimReproOptions {
  readonly nodes?: number;
  readonly seeds?: number;
  /** The first seed; seeds run from it upward (default 1). */
  readonly firstSeed?: number;
  readonly crashRounds?: number;
  readonly crashVictims?: number;
  readonly onProgress?: (msg: string) => void;
}

export interface SwimRepro {
  readonly nodes: number;
  readonly seeds: number;
  readonly join: {
    readonly convergedSeconds: Summary;
    readonly messagesPerNode: Summary;
    readonly kilobytesPerNode: Summary;
    /** Seeds whose join never converged (before the deadline). */
    readonly notConverged: number;
  };
  readonly detection: DetectionSummary;
  /** The suspicion timeout bounds at n (ms) and the dissemination yardstick (periods). */
  readonly suspicionMinMs: number;
  readonly suspicionMaxMs: number;
  readonly gossipRoundsPeriods: number;
  readonly wallMs: number;
}

export function runSwimRepro(opts: SwimReproOptions = {}): SwimRepro {
  const nodes = opts.nodes ?? SWIM_NODES;
  const seeds = opts.seeds ?? 3;
  const start = performance.now();
  const runs: SwimExperimentResult[] = [];
  const first = opts.firstSeed ?? 1;
  for (let seed = first; seed < first + seeds; seed++) {
    runs.push(
      runSwimExperiment({
        nodes,
        seed,
        lifeguard: true,
        latency: SWIM_LATENCY,
        massJoin: true,
        joinDeadlineMs: 600_000,
        settleMs: 5_000,
        crashRounds: opts.crashRounds ?? 8,
        crashVictims: opts.crashVictims ?? 5,
        crashDeadlineMs: 180_000,
        phases: [],
        onProgress: (m) =>
          opts.onProgress?.(`swim n=${nodes} seed ${seed - first + 1}/${seeds}: ${m}`),
      }),
    );
  }
  const converged = runs.flatMap((r) =>
    r.join?.convergedMs != null ? [r.join.convergedMs / 1000] : [],
  );
  const c = LAN_CONFIG;
  const bounds = suspicionBounds(
    c.suspicionMult,
    c.suspicionMaxTimeoutMult,
    nodes,
    c.probeIntervalMs,
  );
  const roundsPerPeriod = c.probeIntervalMs / c.gossipIntervalMs;
  return {
    nodes,
    seeds,
    join: {
      convergedSeconds: summarize(converged),
      messagesPerNode: summarize(runs.map((r) => r.join?.messagesPerNode ?? Number.NaN)),
      kilobytesPerNode: summarize(runs.map((r) => (r.join?.bytesPerNode ?? Number.NaN) / 1000)),
      notConverged: seeds - converged.length,
    },
    detection: summarizeDetection(runs),
    suspicionMinMs: bounds.minMs,
    suspicionMaxMs: bounds.maxMs,
    gossipRoundsPeriods: pushGossipRounds(nodes, c.gossipNodes) / roundsPerPeriod,
    wallMs: performance.now() - start,
  };
}

export function formatSwimRepro(r: SwimRepro): string {
  const d = r.detection;
  const periodS = LAN_CONFIG.probeIntervalMs / 1000;
  const minS = r.suspicionMinMs / 1000;
  const out: string[] = [];
  out.push(
    `SWIM (Das, Gupta, Motivala 2002) in the simulator: n = ${r.nodes}, memberlist LAN timing`,
    `(probe period ${periodS} s, gossip 200 ms to 3), Lifeguard on, log-normal latency (median 1 ms).`,
    `Ours = mean ± sd over ${r.seeds} seeds; detection over ${d.victims} crashed members.`,
    '',
    'Mass join: every node joins through node 0 at once',
    '',
    textTable(
      ['metric', 'ours', 'reference'],
      [
        [
          'until every table lists all n alive',
          `${formatSummary(r.join.convergedSeconds, 1)} s`,
          `one rumor by gossip: ${(r.gossipRoundsPeriods * periodS).toFixed(2)} s (no paper figure)`,
        ],
        ['messages sent per node', formatSummary(r.join.messagesPerNode, 0), ''],
        ['kB sent per node (uncompressed)', formatSummary(r.join.kilobytesPerNode, 0), ''],
      ],
    ),
  );
  if (r.join.notConverged > 0) out.push(`(${r.join.notConverged} seed(s) did not converge)`);
  out.push(
    '',
    'Crash of a member, in probe periods after the crash',
    '',
    textTable(
      ['metric', 'ours', 'paper / expected', 'why'],
      [
        [
          'first ping, whole periods ⌈X⌉',
          formatSummary(d.firstPingWhole, 2),
          `${SWIM_FIRST_DETECTION_PERIODS.toFixed(2)} paper; ${d.expectedFirstPingWhole.toFixed(2)} here`,
          'T′/(1 − e^−q_f), q_f → 1; here q_f = live probers per member',
        ],
        [
          'first ping X',
          formatSummary(d.firstPing, 2),
          d.expectedFirstPing.toFixed(2),
          '1/q_f: independent probe phases',
        ],
        [
          'first suspicion (probe failed)',
          formatSummary(d.firstSuspicion, 2),
          (d.expectedFirstPing + 1).toFixed(2),
          'X + one probe interval',
        ],
        [
          'first dead mark',
          formatSummary(d.firstDead, 2),
          `≥ ${(d.firstSuspicion.mean + minS / periodS).toFixed(2)}`,
          `first suspicion + timeout (${minS} s once confirmed twice)`,
        ],
        ['every live node marks it dead', formatSummary(d.allDead, 2), '', ''],
        [
          'dissemination: last − first dead',
          formatSummary(d.dissemination, 2),
          `O(log n); ${r.gossipRoundsPeriods.toFixed(2)}`,
          'push gossip, fanout 3: log4 n + ln n / 3 rounds',
        ],
      ],
    ),
  );
  if (d.undetected > 0)
    out.push(`(${d.undetected} victim(s) not declared dead everywhere in time)`);
  return out.join('\n');
}
