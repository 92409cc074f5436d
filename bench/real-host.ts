/**
 * Real-host benchmark: a rumor's spread through 32 separate node processes on 127.0.0.1.
 *
 * Each trial starts a fresh cluster (src/net/harness.ts: every node a `node-main.ts`
 * process with `--bind 127.0.0.1:0 --control`, seeds `seedBase + i`), tells every node about
 * every other, publishes one rumor at node `trial % nodes`, and waits for every node's
 * `deliver` line (or the deadline). Reported per configuration over the trials:
 *
 *   last ms       publish → last delivery, wall clock (`Date.now()` in each node; one machine,
 *                 one clock). Median and max over trials. When coverage stays below 1 (a
 *                 rumor's residue), it is the time to the final coverage.
 *   rounds        last ms / period: comparable with the simulator's rounds to full coverage.
 *   msgs/node     messages sent per node between the stats taken just before the publish and
 *                 just after the last delivery (includes the protocol's background traffic:
 *                 push-pull exchanges digests every period, news or not).
 *   coverage      fraction of nodes that delivered by the deadline (rumor mongering can leave
 *                 a residue).
 *
 * Usage: npx node bench/real-host.ts [--nodes 32] [--trials 5] [--period-ms 200]
 * Writes bench/out/real-host.json and prints a markdown table. The machine is shared and
 * timers are real, so figures carry scheduling noise; the seeds are printed to replay the
 * protocol choices in the simulator.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ProcessCluster } from '../src/net/harness.ts';

interface Scenario {
  readonly name: string;
  readonly args: readonly string[];
}

interface Trial {
  readonly seedBase: number;
  readonly publisher: number;
  readonly lastMs: number | null;
  readonly medianNodeMs: number | null;
  readonly coverage: number;
  readonly messagesPerNode: number;
  readonly bytesPerNode: number;
  readonly maxHops: number;
  readonly startMs: number;
}

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '32' },
    trials: { type: 'string', default: '5' },
    'period-ms': { type: 'string', default: '200' },
    only: { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const TRIALS = Number(values.trials);
const PERIOD_MS = Number(values['period-ms']);
/** A trial gives up after this many periods (push-pull needs ~log2(n) + a few). */
const DEADLINE_PERIODS = 30;

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'push-pull, fanout 1',
    args: ['--protocol', 'push-pull', '--fanout', '1', '--period-ms', String(PERIOD_MS)],
  },
  {
    name: 'rumor feedback-counter k=2, fanout 1',
    args: [
      '--protocol',
      'rumor',
      '--variant',
      'feedback-counter',
      '--k',
      '2',
      '--fanout',
      '1',
      '--period-ms',
      String(PERIOD_MS),
    ],
  },
].filter((s) => values.only === undefined || s.name.startsWith(values.only));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function runTrial(scenario: Scenario, trial: number, seedBase: number): Promise<Trial> {
  const t0 = performance.now();
  const cluster = await ProcessCluster.start({
    nodes: NODES,
    seedBase,
    args: scenario.args,
    startDeadlineMs: 60_000,
  });
  try {
    const startMs = performance.now() - t0;
    await cluster.connectAll();
    const before = await cluster.stats();
    const publisher = trial % NODES;
    const id = `bench-${trial}`;
    const publishedAtMs = cluster.publish(publisher, id, new TextEncoder().encode('payload'));
    const atMs = await cluster.waitDelivered(id, DEADLINE_PERIODS * PERIOD_MS);
    const after = await cluster.stats();
    const delivered = atMs
      .filter((t): t is number => t !== undefined)
      .map((t) => t - publishedAtMs);
    const hops = cluster.nodes.map(
      (n) => (n.events.find((e) => e.event === 'deliver' && e.id === id)?.hops as number) ?? 0,
    );
    let messages = 0;
    let bytes = 0;
    for (let i = 0; i < NODES; i++) {
      messages += after[i]!.out.messages - before[i]!.out.messages;
      bytes += after[i]!.out.bytes - before[i]!.out.bytes;
    }
    return {
      seedBase,
      publisher,
      lastMs: delivered.length > 0 ? Math.max(...delivered) : null,
      medianNodeMs: delivered.length > 0 ? median(delivered) : null,
      coverage: delivered.length / NODES,
      messagesPerNode: messages / NODES,
      bytesPerNode: bytes / NODES,
      maxHops: Math.max(...hops),
      startMs,
    };
  } finally {
    await cluster.stop();
  }
}

const fmt = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits));

async function main(): Promise<void> {
  console.error(
    `real-host bench: ${NODES} processes, ${TRIALS} trials, period ${PERIOD_MS} ms, ` +
      `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`,
  );
  const results = [];
  for (const [si, scenario] of SCENARIOS.entries()) {
    const trials: Trial[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const seedBase = 10_000 * (si + 1) + 100 * t;
      const r = await runTrial(scenario, t, seedBase);
      trials.push(r);
      console.error(
        `  ${scenario.name} trial ${t}: SEED_BASE=${seedBase} last=${fmt(r.lastMs)} ms ` +
          `coverage=${r.coverage.toFixed(3)} msgs/node=${r.messagesPerNode.toFixed(1)} ` +
          `(cluster start ${r.startMs.toFixed(0)} ms)`,
      );
    }
    const lasts = trials.map((r) => r.lastMs).filter((x): x is number => x !== null);
    results.push({
      scenario: scenario.name,
      args: scenario.args,
      nodes: NODES,
      periodMs: PERIOD_MS,
      trials,
      completeTrials: trials.filter((r) => r.coverage === 1).length,
      lastMsMedian: lasts.length > 0 ? median(lasts) : null,
      lastMsMax: lasts.length > 0 ? Math.max(...lasts) : null,
      roundsMedian: lasts.length > 0 ? median(lasts) / PERIOD_MS : null,
      medianNodeMsMedian: median(trials.map((r) => r.medianNodeMs ?? Number.NaN)),
      messagesPerNodeMedian: median(trials.map((r) => r.messagesPerNode)),
      bytesPerNodeMedian: median(trials.map((r) => r.bytesPerNode)),
      coverageMin: Math.min(...trials.map((r) => r.coverage)),
      coverageMedian: median(trials.map((r) => r.coverage)),
    });
  }

  const lines = [
    `Real host, ${NODES} processes on 127.0.0.1, period ${PERIOD_MS} ms, ${TRIALS} trials each`,
    '',
    '| protocol | full coverage | last delivery median (ms) | max (ms) | median rounds | median node (ms) | msgs/node | bytes/node | coverage min / median |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.scenario} | ${r.completeTrials}/${TRIALS} | ${fmt(r.lastMsMedian)} | ${fmt(r.lastMsMax)} | ` +
        `${fmt(r.roundsMedian, 1)} | ${fmt(r.medianNodeMsMedian)} | ${fmt(r.messagesPerNodeMedian, 1)} | ` +
        `${fmt(r.bytesPerNodeMedian)} | ${r.coverageMin.toFixed(3)} / ${r.coverageMedian.toFixed(3)} |`,
    ),
  ];
  console.log(lines.join('\n'));
  const outDir = new URL('./out/', import.meta.url);
  mkdirSync(outDir, { recursive: true });
  const report = {
    command: `npx node bench/real-host.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? null,
      node: process.version,
    },
    nodes: NODES,
    trials: TRIALS,
    periodMs: PERIOD_MS,
    deadlinePeriods: DEADLINE_PERIODS,
    results,
  };
  writeFileSync(new URL('real-host.json', outDir), `${JSON.stringify(report, null, 2)}\n`);
  console.error('wrote bench/out/real-host.json');
}

await main();
