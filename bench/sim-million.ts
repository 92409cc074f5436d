/**
 * One million nodes, push-pull, one rumor, synchronous rounds, until every node knows.
 * Run in its own process so that the peak RSS it reports (`maxRSS`) is this run's alone.
 * Targets: at most 60 s wall time and 4 GiB RSS.
 */

import { DEFAULT_EXPERIMENT, runDissemination } from '../src/sim/dissemination-experiment.ts';

const nodes = Number(process.env.BENCH_NODES ?? 1_000_000);
const mode = (process.env.BENCH_MODE ?? 'rounds') as 'rounds' | 'events';
const t0 = performance.now();
const r = runDissemination({ ...DEFAULT_EXPERIMENT, protocol: 'push-pull', nodes, mode, seed: 1 });
const wallSec = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    nodes,
    mode,
    coverage: r.coverage,
    roundsToFull: r.roundsToFull,
    timeToFullMs: r.timeToFullMs,
    messagesPerNode: r.messagesPerNode,
    wallSec,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    traceHash: r.traceHash,
  }),
);
