/**
 * Reproduction: rounds needed to inform all n nodes in the random phone-call model.
 *
 *   push       log2 n + ln n + O(1)        (Frieze–Grimmett 1985, Pittel 1987)
 *   push-pull  log3 n + O(ln ln n)         (Karp, Schindelhauer, Shenker, Vöcking 2000)
 *
 * Our runs: synchronous rounds, one rumor at node 0, fanout 1, no loss; push-pull is the
 * digest exchange, which moves the rumor in whichever direction it is missing within the
 * round, as in Karp et al.'s model. The O(1) of push is known (Pittel: the difference
 * converges to a constant in probability), so push is compared with log2 n + ln n
 * directly; push-pull's O(ln ln n) term has no published constant, so we print log3 n
 * and log3 n + ln ln n as a band.
 */

import { DEFAULT_EXPERIMENT, runDissemination } from '../dissemination-experiment.ts';
import type { DisseminationProtocolName } from '../types.ts';
import { formatSummary, type Summary, summarize } from './stats.ts';
import { textTable } from './table.ts';

export interface RoundsRow {
  readonly protocol: 'push' | 'push-pull';
  readonly nodes: number;
  readonly rounds: Summary;
  readonly messagesPerNode: Summary;
  /** The paper's leading terms: push log2 n + ln n; push-pull log3 n. */
  readonly theory: number;
  /** push-pull only: log3 n + ln ln n, the top of the band. */
  readonly theoryHigh: number | null;
}

export interface RoundsOptions {
  /** Largest n, as a power of ten (3…6). */
  readonly maxExponent?: number;
  /** Seeds at n = 1000; fewer at larger n (see `seedsFor`). */
  readonly seeds?: number;
  readonly onProgress?: (msg: string) => void;
}

export function pushTheory(n: number): number {
  return Math.log2(n) + Math.log(n);
}

export function pushPullTheory(n: number): { low: number; high: number } {
  const log3 = Math.log(n) / Math.log(3);
  return { low: log3, high: log3 + Math.log(Math.log(n)) };
}

/** Fewer seeds at larger n keeps the full reproduction within minutes. */
export function seedsFor(n: number, seeds: number): number {
  if (n <= 1_000) return seeds;
  if (n <= 10_000) return Math.max(2, Math.ceil(seeds / 3));
  if (n <= 100_000) return Math.max(2, Math.ceil(seeds / 10));
  return Math.max(1, Math.ceil(seeds / 30));
}

export function runRounds(opts: RoundsOptions = {}): RoundsRow[] {
  const maxExp = opts.maxExponent ?? 6;
  const seeds = opts.seeds ?? 30;
  const rows: RoundsRow[] = [];
  for (let e = 3; e <= maxExp; e++) {
    const n = 10 ** e;
    for (const protocol of [
      'push',
      'push-pull',
    ] as const satisfies readonly DisseminationProtocolName[]) {
      const rounds: number[] = [];
      const msgs: number[] = [];
      const runs = seedsFor(n, seeds);
      for (let seed = 1; seed <= runs; seed++) {
        opts.onProgress?.(`rounds: ${protocol} n=${n} seed ${seed}/${runs}`);
        const r = runDissemination({
          ...DEFAULT_EXPERIMENT,
          protocol,
          nodes: n,
          seed,
          traceEvents: false,
        });
        if (r.roundsToFull === null)
          throw new Error(`${protocol} n=${n} seed=${seed} did not reach everyone`);
        rounds.push(r.roundsToFull);
        msgs.push(r.messagesPerNode);
      }
      const band = pushPullTheory(n);
      rows.push({
        protocol,
        nodes: n,
        rounds: summarize(rounds),
        messagesPerNode: summarize(msgs),
        theory: protocol === 'push' ? pushTheory(n) : band.low,
        theoryHigh: protocol === 'push' ? null : band.high,
      });
    }
  }
  return rows;
}

export function formatRounds(rows: readonly RoundsRow[]): string {
  const body = rows.map((r) => [
    r.protocol,
    r.nodes.toLocaleString('en-US'),
    String(r.rounds.runs),
    formatSummary(r.rounds, 2),
    r.theoryHigh === null
      ? `${r.theory.toFixed(2)}`
      : `${r.theory.toFixed(2)} … ${r.theoryHigh.toFixed(2)}`,
    r.theoryHigh === null ? 'log2 n + ln n' : 'log3 n … + ln ln n',
    formatSummary(r.messagesPerNode, 1),
  ]);
  return [
    'Rounds to inform all n nodes (synchronous rounds, fanout 1, one rumor; mean ± sd over seeds)',
    '',
    textTable(['protocol', 'n', 'seeds', 'ours', 'paper', 'formula', 'msgs/node'], body),
  ].join('\n');
}
