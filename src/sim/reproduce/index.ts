/**
 * The registry behind `hearsay sim reproduce NAME`: each entry reruns a published
 * experiment and returns a text report (ours beside the paper's) and the raw figures.
 */

import { formatDemers, runDemers } from './demers.ts';
import { formatRounds, runRounds } from './rounds.ts';

export interface ReproduceOptions {
  /** Seeds per configuration (each reproduction scales it where runs are costly). */
  readonly seeds?: number;
  /** A smaller, faster version (for CI and a first look). */
  readonly quick?: boolean;
  readonly onProgress?: (msg: string) => void;
}

export interface Reproduction {
  readonly describe: string;
  run(opts: ReproduceOptions): { text: string; json: unknown };
}

export const REPRODUCTIONS: Readonly<Record<string, Reproduction>> = {
  rounds: {
    describe:
      'rounds to inform all n nodes, push (log2 n + ln n) and push-pull (log3 n + O(ln ln n)), n = 10^3 … 10^6',
    run(opts) {
      const rows = runRounds({
        maxExponent: opts.quick ? 5 : 6,
        seeds: opts.seeds ?? (opts.quick ? 10 : 30),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return { text: formatRounds(rows), json: rows };
    },
  },
  demers: {
    describe:
      'Demers et al. 1987 Tables 1 and 2: rumor mongering residue, traffic, t_ave, t_last (n = 1000)',
    run(opts) {
      const rows = runDemers({
        seeds: opts.seeds ?? (opts.quick ? 20 : 100),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return { text: formatDemers(rows), json: rows };
    },
  },
};
