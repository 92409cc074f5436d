/**
 * The registry behind `hearsay sim reproduce NAME`: each entry reruns a published
 * experiment and returns a text report (ours beside the paper's) and the raw figures.
 */

import { formatDemers, runDemers } from './demers.ts';
import { formatLifeguardRepro, runLifeguardRepro } from './lifeguard.ts';
import { formatRounds, runRounds } from './rounds.ts';
import { formatSwimRepro, runSwimRepro } from './swim.ts';

export interface ReproduceOptions {
  /** Seeds per configuration (each reproduction scales it where runs are costly). */
  readonly seeds?: number;
  /** A smaller, faster version (for CI and a first look). */
  readonly quick?: boolean;
  readonly onProgress?: (msg: string) => void;
}

/** `--quick` for the SWIM reproductions: 200 nodes, enough to hold the papers' relations. */
export const QUICK_SWIM = { nodes: 200, seeds: 2, crashRounds: 3, crashVictims: 10 } as const;
export const QUICK_LIFEGUARD = {
  nodes: 200,
  seeds: 1,
  crashRounds: 2,
  crashVictims: 10,
  lossPhaseMs: 20_000,
  slowedPhaseMs: 20_000,
  settleMs: 20_000,
  slowDelaysMs: [15_000],
} as const;

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
  swim: {
    describe:
      'SWIM 2002: mass join, time to first detection (vs e/(e−1) periods) and dissemination of a crash (n = 1000)',
    run(opts) {
      const r = runSwimRepro({
        ...(opts.quick ? QUICK_SWIM : {}),
        ...(opts.seeds === undefined ? {} : { seeds: opts.seeds }),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return { text: formatSwimRepro(r), json: r };
    },
  },
  lifeguard: {
    describe:
      'Lifeguard 2017: false positives with Lifeguard off/on under loss and slowed members (vs > 50×), detection latency (n = 1000)',
    run(opts) {
      const r = runLifeguardRepro({
        ...(opts.quick ? QUICK_LIFEGUARD : {}),
        ...(opts.seeds === undefined ? {} : { seeds: opts.seeds }),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return { text: formatLifeguardRepro(r), json: r };
    },
  },
};
