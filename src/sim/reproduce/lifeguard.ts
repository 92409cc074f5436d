/**
 * Reproduction: Lifeguard (Dadgar, Phillips, Currey, arXiv 1707.00788) — false positives of
 * plain SWIM against SWIM with Lifeguard under packet loss and under slow message
 * processing at some members, and what Lifeguard costs in detection latency and load.
 *
 * The paper's claims (papers.md): under slow message processing at some members, Lifeguard
 * cuts false positives by more than 50× against memberlist without the extensions, with a
 * modest rise in detection latency and message load. Its mechanism: a slow member's probes
 * fail because it reads the acks late, so it accuses healthy members; the accused refute
 * at once, but the slow accuser reads the refutation late too, and with SWIM's fixed
 * suspicion timeout it declares them dead first. Lifeguard's local health makes a member
 * whose probes keep failing probe less often and wait longer (LHA-Probe), and a lone
 * accusation starts at the longest suspicion timeout, shortened only by independent
 * confirmations (LHA-Suspicion).
 *
 * Our setup: n = 1000 (the paper ran smaller clusters), memberlist's LAN configuration
 * with Lifeguard on (its default) and off (lifeguard-switch.ts), a cluster started
 * converged. Per seed and configuration, crash rounds measure detection latency (as the
 * paper, the time from a crash until the member is declared dead — we report the first
 * declaration and the last live node's); then fault phases: none, 5% and 10% datagram
 * loss, and 10% of the members slowed (every message they receive is handled
 * `slowDelayMs` late; timers on time, slowed.ts) for each delay given. A phase's events
 * count until `settleMs` after the fault is lifted. A false positive is a live member
 * marked dead, counted once per observer; the headline counts healthy (not slowed) members
 * so marked, as the paper does ("false positives at healthy members"); slowed members
 * marked dead and failed probes of healthy members (accusations) are reported beside it.
 */

import { LAN_CONFIG } from '../../membership/swim/config.ts';
import { suspicionBounds } from '../../membership/swim/formulas.ts';
import {
  type FaultPhase,
  type PhaseResult,
  runSwimExperiment,
  type SwimExperimentResult,
} from '../swim/experiment.ts';
import { formatSummary, type Summary, summarize } from './stats.ts';
import { type DetectionSummary, SWIM_LATENCY, SWIM_NODES, summarizeDetection } from './swim.ts';
import { textTable } from './table.ts';

/** The paper's headline: false positives reduced by more than this factor. */
export const LIFEGUARD_FP_REDUCTION_MIN = 50;

export interface LifeguardReproOptions {
  readonly nodes?: number;
  readonly seeds?: number;
  /** The first seed; seeds run from it upward (default 1). */
  readonly firstSeed?: number;
  /** Processing delays of the slowed members, ms: one slowed phase each. */
  readonly slowDelaysMs?: readonly number[];
  /** Fraction of live members slowed. */
  readonly slowedFraction?: number;
  /** Length of the loss phases and of the fault-free phase, ms. */
  readonly lossPhaseMs?: number;
  /** Length of each slowed phase, ms (they cost far more to simulate: a suspicion storm). */
  readonly slowedPhaseMs?: number;
  readonly settleMs?: number;
  /**
   * Lifeguard with this `suspicionMult` as well (the paper's alternative tuning: shorter
   * suspicion, detection much sooner); null skips it. Default 2.
   */
  readonly tunedSuspicionMult?: number | null;
  /** Also run the loss phases without the TCP fallback ping (default true). */
  readonly udpOnlyLoss?: boolean;
  readonly crashRounds?: number;
  readonly crashVictims?: number;
  readonly onProgress?: (msg: string) => void;
}

/** One phase's figures for one configuration, summed (counts) or averaged (load) over seeds. */
export interface PhaseFigures {
  /** Live healthy members marked dead, one per observer. */
  readonly healthyDeadMarks: number;
  /** The same per seed, mean ± sd. */
  readonly healthyDeadMarksPerSeed: Summary;
  /** Distinct healthy members marked dead by anyone, per seed summed. */
  readonly healthyMarkedDead: number;
  /** Distinct slowed members marked dead by anyone. */
  readonly slowedMarkedDead: number;
  /** Failed probes of healthy members (accusations). */
  readonly healthyAccusations: number;
  /** … of those, by slowed probers. */
  readonly healthyAccusationsBySlowed: number;
  readonly refutations: number;
  readonly messagesPerNodePerSec: number;
}

export interface LifeguardPhaseRow {
  readonly phase: FaultPhase;
  /** memberlist's TCP fallback ping was on (false for the "UDP only" loss phases). */
  readonly tcpFallback: boolean;
  readonly slowedNodes: number;
  readonly off: PhaseFigures;
  readonly on: PhaseFigures;
}

/** Lifeguard with a shorter suspicion timeout, against plain SWIM. */
export interface LifeguardTuned {
  readonly suspicionMult: number;
  readonly suspicionMinMs: number;
  readonly detection: DetectionSummary;
  /** The slowed phases only, in order. */
  readonly slowed: readonly { readonly phase: FaultPhase; readonly figures: PhaseFigures }[];
}

export interface LifeguardRepro {
  readonly nodes: number;
  readonly seeds: number;
  readonly phases: readonly LifeguardPhaseRow[];
  readonly detectionOff: DetectionSummary;
  readonly detectionOn: DetectionSummary;
  readonly tuned: LifeguardTuned | null;
  readonly suspicionMinMs: number;
  readonly suspicionMaxMs: number;
  readonly wallMs: number;
}

export function lifeguardPhases(o: LifeguardReproOptions = {}): FaultPhase[] {
  const lossMs = o.lossPhaseMs ?? 60_000;
  const slowMs = o.slowedPhaseMs ?? 20_000;
  const settleMs = o.settleMs ?? 20_000;
  const fraction = o.slowedFraction ?? 0.1;
  const quiet = { loss: 0, slowedFraction: 0, slowDelayMs: 0, settleMs };
  return [
    { name: 'no faults', ...quiet, durationMs: lossMs },
    { name: 'loss 5%', ...quiet, loss: 0.05, durationMs: lossMs },
    { name: 'loss 10%', ...quiet, loss: 0.1, durationMs: lossMs },
    ...(o.slowDelaysMs ?? [2_000, 15_000]).map((d) => ({
      name: `${Math.round(fraction * 100)}% slowed ${d / 1000} s`,
      loss: 0,
      slowedFraction: fraction,
      slowDelayMs: d,
      durationMs: slowMs,
      settleMs,
    })),
  ];
}

/**
 * The loss phases again in a cluster without memberlist's TCP fallback ping (SWIM's own
 * protocol has none): a probe then fails when the direct exchange and every indirect one
 * lose a datagram, so loss shows as accusations.
 */
export function udpOnlyLossPhases(o: LifeguardReproOptions = {}): FaultPhase[] {
  return lifeguardPhases(o)
    .filter((p) => p.loss > 0)
    .map((p) => ({ ...p, name: `${p.name}, UDP only` }));
}

export function runLifeguardRepro(o: LifeguardReproOptions = {}): LifeguardRepro {
  const nodes = o.nodes ?? SWIM_NODES;
  const seeds = o.seeds ?? 1;
  const start = performance.now();
  const phases = lifeguardPhases(o);
  const udpPhases = o.udpOnlyLoss === false ? [] : udpOnlyLossPhases(o);
  const crashRuns = { off: [] as SwimExperimentResult[], on: [] as SwimExperimentResult[] };
  const phaseRuns = { off: [] as PhaseResult[][], on: [] as PhaseResult[][] };
  const tunedMult = o.tunedSuspicionMult === undefined ? 2 : o.tunedSuspicionMult;
  const slowedPhases = phases.filter((p) => p.slowedFraction > 0);
  const tunedRuns: SwimExperimentResult[] = [];
  const first = o.firstSeed ?? 1;
  for (let seed = first; seed < first + seeds; seed++) {
    for (const lifeguard of [false, true]) {
      const base = {
        nodes,
        seed,
        lifeguard,
        latency: SWIM_LATENCY,
        massJoin: false,
        joinDeadlineMs: 0,
        settleMs: 0,
        crashVictims: o.crashVictims ?? 5,
        crashDeadlineMs: 180_000,
        onProgress: (m: string) =>
          o.onProgress?.(`lifeguard n=${nodes} seed ${seed - first + 1}/${seeds}: ${m}`),
      };
      const main = runSwimExperiment({ ...base, crashRounds: o.crashRounds ?? 6, phases });
      const udp =
        udpPhases.length === 0
          ? null
          : runSwimExperiment({
              ...base,
              config: { disableTcpPings: true },
              crashRounds: 0,
              phases: udpPhases,
            });
      const key = lifeguard ? 'on' : 'off';
      crashRuns[key].push(main);
      phaseRuns[key].push([...main.phases, ...(udp?.phases ?? [])]);
      if (lifeguard && tunedMult !== null) {
        tunedRuns.push(
          runSwimExperiment({
            ...base,
            config: { suspicionMult: tunedMult },
            crashRounds: o.crashRounds ?? 6,
            phases: slowedPhases,
            onProgress: (m: string) =>
              o.onProgress?.(`lifeguard n=${nodes} seed ${seed - first + 1}/${seeds}: tuned, ${m}`),
          }),
        );
      }
    }
  }
  const c = LAN_CONFIG;
  const bounds = suspicionBounds(
    c.suspicionMult,
    c.suspicionMaxTimeoutMult,
    nodes,
    c.probeIntervalMs,
  );
  return {
    nodes,
    seeds,
    phases: [...phases, ...udpPhases].map((phase, i) => ({
      phase,
      tcpFallback: i < phases.length,
      slowedNodes: phaseRuns.on[0]?.[i]?.slowedNodes ?? 0,
      off: phaseFigures(phaseRuns.off, i),
      on: phaseFigures(phaseRuns.on, i),
    })),
    detectionOff: summarizeDetection(crashRuns.off),
    detectionOn: summarizeDetection(crashRuns.on),
    tuned:
      tunedMult === null
        ? null
        : {
            suspicionMult: tunedMult,
            suspicionMinMs: suspicionBounds(
              tunedMult,
              c.suspicionMaxTimeoutMult,
              nodes,
              c.probeIntervalMs,
            ).minMs,
            detection: summarizeDetection(tunedRuns),
            slowed: slowedPhases.map((phase, i) => ({
              phase,
              figures: phaseFigures(
                tunedRuns.map((r) => r.phases),
                i,
              ),
            })),
          },
    suspicionMinMs: bounds.minMs,
    suspicionMaxMs: bounds.maxMs,
    wallMs: performance.now() - start,
  };
}

/** Per seed, the results of every phase, in order. */
function phaseFigures(seeds: readonly (readonly PhaseResult[])[], i: number): PhaseFigures {
  let healthyDeadMarks = 0;
  const perSeed: number[] = [];
  let healthyMarkedDead = 0;
  let slowedMarkedDead = 0;
  let healthyAccusations = 0;
  let healthyAccusationsBySlowed = 0;
  let refutations = 0;
  let load = 0;
  for (const phases of seeds) {
    const p = phases[i]!;
    const c = p.counts;
    const marks = c.deadMarks.healthyAtHealthy + c.deadMarks.healthyAtSlowed;
    healthyDeadMarks += marks;
    perSeed.push(marks);
    healthyMarkedDead += c.healthyMarkedDead;
    slowedMarkedDead += c.slowedMarkedDead;
    healthyAccusations += c.accusations.healthyAtHealthy + c.accusations.healthyAtSlowed;
    healthyAccusationsBySlowed += c.accusations.healthyAtSlowed;
    refutations += c.refutationsHealthy + c.refutationsSlowed;
    load += p.messagesPerNodePerSec;
  }
  return {
    healthyDeadMarks,
    healthyDeadMarksPerSeed: summarize(perSeed),
    healthyMarkedDead,
    slowedMarkedDead,
    healthyAccusations,
    healthyAccusationsBySlowed,
    refutations,
    messagesPerNodePerSec: seeds.length > 0 ? load / seeds.length : Number.NaN,
  };
}

/** "off/on" as a factor; with none left on, a lower bound ("≥ off"). */
export function reduction(off: number, on: number): string {
  if (off === 0 && on === 0) return '—';
  if (on === 0) return `≥ ${off}×`;
  return `${(off / on).toFixed(off / on >= 10 ? 0 : 1)}×`;
}

/** Dead marks of healthy members: the total, or per seed mean ± sd; distinct members in brackets. */
function marks(f: PhaseFigures, seeds: number): string {
  const total =
    seeds > 1 ? formatSummary(f.healthyDeadMarksPerSeed, 0) : String(f.healthyDeadMarks);
  return `${total} (${f.healthyMarkedDead})`;
}

function pct(after: number, before: number): string {
  const d = (100 * (after - before)) / before;
  return `${d >= 0 ? '+' : ''}${d.toFixed(0)}%`;
}

export function formatLifeguardRepro(r: LifeguardRepro): string {
  const out: string[] = [];
  out.push(
    `Lifeguard (Dadgar, Phillips, Currey) in the simulator: n = ${r.nodes}, memberlist LAN timing,`,
    `Lifeguard off (plain SWIM: fixed ${r.suspicionMinMs / 1000} s suspicion, no local health, no nacks, no buddy)`,
    `against on (suspicion ${r.suspicionMinMs / 1000}…${r.suspicionMaxMs / 1000} s with confirmations, local health up to ×8).`,
    `${r.seeds} seed(s); counts are totals over them unless marked; a phase counts until its settle time after the fault is lifted.`,
    '',
    `False positives: live healthy members marked dead, one per observer (${r.seeds > 1 ? 'per seed, mean ± sd' : 'total'}; distinct members over all seeds in brackets; off/on from the totals)`,
    '',
    textTable(
      ['phase', 'paper', 'off', 'on', 'off/on', 'failed probes off', 'on', 'off/on'],
      r.phases.map((p) => [
        p.phase.name,
        p.phase.slowedFraction > 0 ? `> ${LIFEGUARD_FP_REDUCTION_MIN}×` : '',
        marks(p.off, r.seeds),
        marks(p.on, r.seeds),
        reduction(p.off.healthyDeadMarks, p.on.healthyDeadMarks),
        String(p.off.healthyAccusations),
        String(p.on.healthyAccusations),
        reduction(p.off.healthyAccusations, p.on.healthyAccusations),
      ]),
    ),
    '',
    'Beside them: slowed members marked dead (distinct), refutations, load (messages per node per second)',
    '',
    textTable(
      [
        'phase',
        'slowed',
        'slowed dead off',
        'on',
        'refutations off',
        'on',
        'msgs/node/s off',
        'on',
      ],
      r.phases.map((p) => [
        p.phase.name,
        String(p.slowedNodes),
        String(p.off.slowedMarkedDead),
        String(p.on.slowedMarkedDead),
        String(p.off.refutations),
        String(p.on.refutations),
        p.off.messagesPerNodePerSec.toFixed(1),
        p.on.messagesPerNodePerSec.toFixed(1),
      ]),
    ),
  );
  const off = r.detectionOff;
  const on = r.detectionOn;
  out.push(
    '',
    `Detection latency of real crashes, probe periods (${on.victims} crashed members per configuration; paper: a modest rise)`,
    '',
    textTable(
      ['metric', 'off', 'on', 'change'],
      [
        [
          'first dead mark, median',
          off.firstDeadMedian.toFixed(2),
          on.firstDeadMedian.toFixed(2),
          pct(on.firstDeadMedian, off.firstDeadMedian),
        ],
        [
          'first dead mark, mean ± sd',
          formatSummary(off.firstDead, 2),
          formatSummary(on.firstDead, 2),
          pct(on.firstDead.mean, off.firstDead.mean),
        ],
        [
          'every live node, median',
          off.allDeadMedian.toFixed(2),
          on.allDeadMedian.toFixed(2),
          pct(on.allDeadMedian, off.allDeadMedian),
        ],
      ],
    ),
  );
  const t = r.tuned;
  if (t !== null) {
    out.push(
      '',
      `Alternative tuning: Lifeguard with suspicionMult ${t.suspicionMult} (suspicion ${t.suspicionMinMs / 1000} s), against off`,
      '(paper: median detection latency 45% lower, false positives at healthy members still 3× lower)',
      '',
      textTable(
        ['metric', 'off', 'tuned', 'change'],
        [
          [
            'first dead mark, median (periods)',
            off.firstDeadMedian.toFixed(2),
            t.detection.firstDeadMedian.toFixed(2),
            pct(t.detection.firstDeadMedian, off.firstDeadMedian),
          ],
          ...t.slowed.map((s) => {
            const o = r.phases.find((p) => p.phase.name === s.phase.name)?.off;
            const offMarks = o?.healthyDeadMarks ?? Number.NaN;
            return [
              `${s.phase.name}: healthy dead marks`,
              String(offMarks),
              String(s.figures.healthyDeadMarks),
              offMarks === 0 && s.figures.healthyDeadMarks === 0
                ? '—'
                : `${reduction(offMarks, s.figures.healthyDeadMarks)} fewer`,
            ];
          }),
        ],
      ),
    );
  }
  const missed = off.undetected + on.undetected + (t?.detection.undetected ?? 0);
  if (missed > 0) out.push(`(${missed} crashed member(s) not declared dead everywhere in time)`);
  return out.join('\n');
}
