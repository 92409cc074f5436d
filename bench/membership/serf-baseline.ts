/**
 * Serf's membership baseline on this machine: real `serf agent` processes on 127.0.0.1.
 *
 * Usage: npx node bench/membership/serf-baseline.ts [--nodes 32,64] [--trials 3]
 *          [--idle-s 30] [--settle-s 5] [--kills 1] [--profile lan] [--no-netns] [--system serf,hearsay]
 *          [--join-mode spawn|running|spawn,running] [--help]
 *
 * `--system` picks what runs (default `serf`): `hearsay` runs `hearsay agent` processes
 * (hearsay-cluster.ts) through the same measurements, `serf,hearsay` both, side by side in
 * one table.
 *
 * Per cluster size, `--trials` fresh clusters (measure.ts, via the `ClusterUnderTest` seam so
 * hearsay agents can later run the very same code):
 *   (a) join convergence: the seed is up, the other n − 1 agents are spawned at once, each
 *       with `-join` to the seed; time until every agent lists every agent alive. Polled
 *       every 50 ms over each agent's RPC connection. Process start-up is inside the join
 *       time, so the spawn-to-"every process answers" time is reported beside it, and the
 *       time from the last process answering to convergence (the protocol's own share).
 *   (b) failure detection: SIGKILL one agent (not the seed), time until the first and until
 *       every survivor lists it `failed` (polled every 200 ms), and false positives: any
 *       other member ever listed non-alive, or suspected in an agent's log, during the trial.
 *       `--kills K` repeats it K times in the same cluster, each kill 5 s after every
 *       survivor listed the one before failed: one kill's time swings by seconds with how
 *       soon a survivor's round-robin reaches the victim, so medians need many kills, and
 *       a kill in a running cluster costs no start-up (64 hearsay agents take 25 s).
 *   (c) idle traffic: after a settle period, with no polling, bytes and packets on the wire
 *       per agent per second over `--idle-s` (first trial of each size only; ≥ 30 s so that
 *       every agent's 30 s push/pull is inside the window on average). Counted on the
 *       loopback of a private network namespace (loopback.ts); IP packets with headers.
 *       Over the same window, the CPU each agent used (/proc/PID/stat), ms per second.
 *   (d) RSS per agent (VmRSS) after the idle window.
 * Prints a markdown table (stdout; progress on stderr) and writes
 * bench/out/serf-baseline.json. Default run: about 3 minutes (2 min 40 s here).
 *
 * `--join-mode` (default `spawn`: everything above, output unchanged) may name `running`
 * too: join convergence of agents that are already running, the protocol without process
 * start-up (measure.ts `runRunningJoinTrial`). Per cluster size, `--trials` fresh clusters:
 * all n agents start with no join and the time until every one answers is reported apart
 * ("all processes up"); then the n − 1 joins to node 0 go out back to back through each
 * system's API for it (Serf's RPC `join`, as `serf join` sends; hearsay's `POST /v1/join`,
 * as `hearsay join` sends), each over a connection opened beforehand, and the clock runs
 * from just before the first until every agent lists every agent alive (the same 50 ms
 * polls). False positives are counted from start-up to `--settle-s` after convergence, and
 * the CPU all agents used in the 5 s from the first join (polls included, alike for both).
 * Prints a second table, per trial figures, and the hearsay/Serf ratios when both systems
 * ran; writes bench/out/serf-baseline-running.json. No failure detection, idle traffic or
 * RSS in this mode: they do not depend on how the cluster was joined.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { SerfProfile } from '../../test/support/serf/agent.ts';
import { ensureSerf } from '../../test/support/serf/serf-binary.ts';
import { hearsayRunsFrom, hearsayVersion, serfVersion } from '../support/versions.ts';
import type { ClusterUnderTest } from './cluster-under-test.ts';
import { HearsayClusterUnderTest } from './hearsay-cluster.ts';
import { enterPrivateNetwork } from './loopback.ts';
import {
  JOIN_CPU_WINDOW_MS,
  median,
  type RunningJoinResult,
  runRunningJoinTrial,
  runTrial,
  type TrialResult,
} from './measure.ts';
import { SerfClusterUnderTest } from './serf-cluster.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '32,64' },
    trials: { type: 'string', default: '3' },
    'idle-s': { type: 'string', default: '30' },
    'idle-trials': { type: 'string', default: '1' },
    'settle-s': { type: 'string', default: '5' },
    kills: { type: 'string', default: '1' },
    profile: { type: 'string', default: 'lan' },
    'no-netns': { type: 'boolean', default: false },
    system: { type: 'string', default: 'serf' },
    'join-mode': { type: 'string', default: 'spawn' },
    'hearsay-node-flags': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});

const HELP = `Usage: npx node bench/membership/serf-baseline.ts [flags]

  --nodes 32,64          cluster sizes (3..256), comma-separated
  --trials 3             fresh clusters per size and system
  --system serf          serf, hearsay, or serf,hearsay (side by side)
  --join-mode spawn      spawn: joiners spawned with -join/--join, clock from their spawn
                         (start-up included), then failure detection, idle bytes and CPU, RSS;
                         running: all agents up first (start-up reported apart), then n-1
                         joins issued to running agents (serf RPC join / POST /v1/join),
                         clock from the first join; spawn,running: both. Default: spawn.
  --idle-s 30            idle-traffic window (spawn mode)
  --idle-trials 1        trials per size that measure idle traffic (spawn mode)
  --settle-s 5           quiet time after convergence (running mode: also between the
                         last process answering and the first join)
  --kills 1              failure detections per trial (spawn mode): one SIGKILL after
                         another, each 5 s after every survivor listed the last one failed
  --profile lan          Serf profile: lan, wan or local
  --no-netns             do not enter a private network namespace (no byte counts)
  --hearsay-node-flags F flags for node itself in every hearsay agent, space-separated
                         (A/B runs of V8 settings, e.g. "--no-efficiency-mode")
`;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const SIZES = values.nodes.split(',').map(Number);
const TRIALS = Number(values.trials);
const IDLE_MS = Number(values['idle-s']) * 1000;
const IDLE_TRIALS = Number(values['idle-trials']);
const SETTLE_MS = Number(values['settle-s']) * 1000;
const KILLS = Number(values.kills);
/** Between one kill's detection by every survivor and the next kill. */
const KILL_GAP_MS = 5_000;
const PROFILE = values.profile as SerfProfile;
const SYSTEMS = values.system.split(',');
const JOIN_MODES = values['join-mode'].split(',');
/** Running mode: spawn of all n to every one answering (64 Node processes on 2 cores: ~20 s). */
const UP_DEADLINE_MS = 120_000;
/** Long enough to see Serf's occasional one-minute straggler finish. */
const JOIN_DEADLINE_MS = 120_000;
const DETECT_DEADLINE_MS = 60_000;
const JOIN_POLL_MS = 50;
const DETECT_POLL_MS = 200;
/** A join this many times slower than the size's median is called out as a straggler. */
const STRAGGLER_FACTOR = 3;

function usage(message: string): never {
  console.error(`serf-baseline: ${message}`);
  process.exit(2);
}
if (SIZES.some((n) => !Number.isInteger(n) || n < 3 || n > 256)) {
  usage('--nodes takes sizes from 3 to 256, comma-separated');
}
if (!Number.isInteger(TRIALS) || TRIALS < 1) usage('--trials must be a positive integer');
if (!(IDLE_MS >= 0) || !(SETTLE_MS >= 0)) usage('--idle-s and --settle-s must be ≥ 0');
if (!Number.isInteger(KILLS) || KILLS < 1 || SIZES.some((n) => KILLS > n - 2)) {
  usage('--kills must be an integer from 1 to the smallest size minus 2');
}
if (!['lan', 'wan', 'local'].includes(PROFILE)) usage('--profile is lan, wan or local');
if (SYSTEMS.some((x) => x !== 'serf' && x !== 'hearsay')) usage('--system lists serf, hearsay');
if (JOIN_MODES.length === 0 || JOIN_MODES.some((x) => x !== 'spawn' && x !== 'running')) {
  usage('--join-mode is spawn, running, or spawn,running');
}

const s = (ms: number | null, digits = 2): string =>
  ms === null ? '—' : (ms / 1000).toFixed(digits);

interface SizeSummary {
  readonly system: string;
  readonly nodes: number;
  readonly trials: readonly TrialResult[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

function summaryRow(system: string, sz: SizeSummary): string {
  const ok = sz.trials.filter((t) => t.joinMs !== null);
  const joins = ok.map((t) => t.joinMs!);
  const ups = sz.trials.filter((t) => t.allUpMs !== null).map((t) => t.allUpMs!);
  const afterUp = ok.filter((t) => t.allUpMs !== null).map((t) => t.joinMs! - t.allUpMs!);
  const kills = sz.trials.flatMap((t) => t.detections);
  const detects = kills.filter((d) => d.allMs !== null).map((d) => d.allMs!);
  const firsts = kills.filter((d) => d.firstMs !== null).map((d) => d.firstMs!);
  const fps = sz.trials.reduce((acc, t) => acc + t.falsePositives.length, 0);
  const idle = sz.trials.map((t) => t.idle).filter((x) => x !== null);
  const bytes = idle.map((x) => x.bytesPerNodePerSec).filter((x) => x !== null);
  const packets = idle.map((x) => x.packetsPerNodePerSec).filter((x) => x !== null);
  const cpu = idle.map((x) => x.cpuMsPerNodePerSec).filter((x) => x !== null);
  const rss = sz.trials.flatMap((t) => t.rssMiB).filter((x) => Number.isFinite(x));
  const mm = (xs: number[]): string =>
    xs.length === 0 ? '—' : `${s(median(xs))} / ${s(Math.max(...xs))}`;
  return [
    system,
    sz.nodes,
    `${ok.length}/${sz.trials.length}`,
    mm(joins),
    ups.length === 0 ? '—' : s(median(ups)),
    afterUp.length === 0 ? '—' : s(median(afterUp)),
    `${detects.length}/${KILLS * sz.trials.length}`,
    mm(detects),
    firsts.length === 0 ? '—' : s(median(firsts)),
    fps,
    bytes.length === 0 ? 'not measured' : Math.round(median(bytes)),
    packets.length === 0 ? '—' : median(packets).toFixed(1),
    cpu.length === 0 ? '—' : median(cpu).toFixed(2),
    rss.length === 0 ? '—' : `${median(rss).toFixed(1)} / ${Math.max(...rss).toFixed(1)}`,
  ].join(' | ');
}

async function measureSize(
  cut: ClusterUnderTest,
  nodes: number,
  countBytes: boolean,
): Promise<SizeSummary> {
  const loadBefore = loadavg();
  const trials: TrialResult[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const r = await runTrial(cut, {
      nodes,
      victims: Array.from({ length: KILLS }, (_, k) => nodes - 1 - ((t * KILLS + k) % (nodes - 1))),
      killGapMs: KILL_GAP_MS,
      joinDeadlineMs: JOIN_DEADLINE_MS,
      detectDeadlineMs: DETECT_DEADLINE_MS,
      joinPollMs: JOIN_POLL_MS,
      detectPollMs: DETECT_POLL_MS,
      settleMs: SETTLE_MS,
      idleMs: t < IDLE_TRIALS ? IDLE_MS : 0,
      countBytes,
    });
    trials.push(r);
    const idle = r.idle?.bytesPerNodePerSec;
    console.error(
      `  n=${nodes} trial ${t}: join ${s(r.joinMs)} s (up ${s(r.allUpMs)} s, ${r.joinedNodes}/${nodes}), ` +
        r.detections
          .map(
            (d) =>
              `kill ${d.victim}: first ${s(d.firstMs)} s, all ${s(d.allMs)} s (${d.detectedBy}/${d.survivors})`,
          )
          .join(', ') +
        `, false positives ${r.falsePositives.length}` +
        (idle === undefined || idle === null ? '' : `, idle ${Math.round(idle)} B/node/s`) +
        `, RSS median ${median(r.rssMiB.filter(Number.isFinite)).toFixed(1)} MiB, load ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const d of r.diagnostics) console.error(`    ${d.replaceAll('\n', '\n    ')}`);
    for (const f of r.falsePositives.slice(0, 5)) {
      console.error(`    false positive: ${f.observer} saw ${f.subject} ${f.status}`);
    }
  }
  return { system: cut.system, nodes, trials, loadBefore, loadAfter: loadavg() };
}

interface RunningSizeSummary {
  readonly system: string;
  readonly nodes: number;
  readonly trials: readonly RunningJoinResult[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

async function measureRunningSize(
  cut: ClusterUnderTest,
  nodes: number,
): Promise<RunningSizeSummary> {
  const loadBefore = loadavg();
  const trials: RunningJoinResult[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const r = await runRunningJoinTrial(cut, {
      nodes,
      upDeadlineMs: UP_DEADLINE_MS,
      joinDeadlineMs: JOIN_DEADLINE_MS,
      joinPollMs: JOIN_POLL_MS,
      settleMs: SETTLE_MS,
      quietBeforeJoinMs: SETTLE_MS,
    });
    trials.push(r);
    console.error(
      `  n=${nodes} trial ${t} (running): all up ${s(r.allUpMs)} s; join ${s(r.joinMs)} s ` +
        `(${r.joinedNodes}/${nodes}; calls answered ${s(r.joinCallsMs)} s, issued within ` +
        `${r.joinIssueSpreadMs === null ? '—' : r.joinIssueSpreadMs.toFixed(1)} ms, ` +
        `${r.joinFailureCount} failed; agents' CPU ${s(r.joinCpuMs)} s in the first ${JOIN_CPU_WINDOW_MS / 1000} s), false positives ${r.falsePositives.length}, load ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const d of [...r.joinFailures, ...r.diagnostics]) {
      console.error(`    ${d.replaceAll('\n', '\n    ')}`);
    }
    for (const f of r.falsePositives.slice(0, 5)) {
      console.error(`    false positive: ${f.observer} saw ${f.subject} ${f.status}`);
    }
  }
  return { system: cut.system, nodes, trials, loadBefore, loadAfter: loadavg() };
}

function runningRow(sz: RunningSizeSummary): string {
  const ok = sz.trials.filter((t) => t.joinMs !== null);
  const nums = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const joins = nums(ok.map((t) => t.joinMs));
  const perNode = nums(ok.map((t) => t.joinNodeMedianMs));
  const calls = nums(sz.trials.map((t) => t.joinCallsMs));
  const cpu = nums(sz.trials.map((t) => t.joinCpuMs));
  const spread = nums(sz.trials.map((t) => t.joinIssueSpreadMs));
  const ups = nums(sz.trials.map((t) => t.allUpMs));
  const mm = (xs: number[]): string =>
    xs.length === 0 ? '—' : `${s(median(xs))} / ${s(Math.max(...xs))}`;
  return [
    sz.system.split(' ')[0],
    sz.nodes,
    `${ok.length}/${sz.trials.length}`,
    mm(joins),
    perNode.length === 0 ? '—' : s(median(perNode)),
    calls.length === 0 ? '—' : s(median(calls)),
    cpu.length === 0 ? '—' : s(median(cpu)),
    spread.length === 0 ? '—' : median(spread).toFixed(1),
    mm(ups),
    sz.trials.reduce((acc, t) => acc + t.joinFailureCount, 0),
    sz.trials.reduce((acc, t) => acc + t.falsePositives.length, 0),
  ].join(' | ');
}

/** hearsay over Serf, per size where both converged at least once. */
function ratioLines(sizes: readonly RunningSizeSummary[]): string[] {
  const pick = (system: string, n: number) =>
    sizes.find((x) => x.system.startsWith(`${system} `) && x.nodes === n);
  const rows: string[] = [];
  for (const n of SIZES) {
    const h = pick('hearsay', n);
    const f = pick('serf', n);
    if (h === undefined || f === undefined) continue;
    const joins = (x: RunningSizeSummary) =>
      x.trials.map((t) => t.joinMs).filter((v): v is number => v !== null);
    const cpus = (x: RunningSizeSummary) =>
      x.trials.map((t) => t.joinCpuMs).filter((v): v is number => v !== null);
    const ups = (x: RunningSizeSummary) =>
      x.trials.map((t) => t.allUpMs).filter((v): v is number => v !== null);
    const ratio = (a: number[], b: number[], f2: (xs: number[]) => number) =>
      a.length === 0 || b.length === 0 ? '—' : `${(f2(a) / f2(b)).toFixed(2)}x`;
    const max = (xs: number[]) => Math.max(...xs);
    rows.push(
      `| ${n} | ${ratio(joins(h), joins(f), median)} | ${ratio(joins(h), joins(f), max)} | ${ratio(cpus(h), cpus(f), median)} | ${ratio(ups(h), ups(f), median)} |`,
    );
  }
  if (rows.length === 0) return [];
  return [
    '',
    "| nodes | hearsay/Serf join median | hearsay/Serf join max | hearsay/Serf agents' CPU in the join (median) | hearsay/Serf all processes up (median) |",
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

function runningReport(sizes: readonly RunningSizeSummary[]): string[] {
  const lines = [
    'Join to running agents (--join-mode running): all n agents start with no join ("all processes up": spawn of all n → every one answers); then the n − 1 joins to node 0 go out back to back (Serf: RPC `join`; hearsay: `POST /v1/join`), and the clock runs from just before the first until every agent lists every agent alive.',
    '',
    `| system | nodes | joins converged | join s median / max | per-node join s (median) | join calls answered s (median) | agents' CPU s in the first ${JOIN_CPU_WINDOW_MS / 1000} s (median) | joins issued within ms (median) | all processes up s median / max | failed joins | false positives |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sizes.map((sz) => `| ${runningRow(sz)} |`),
    ...ratioLines(sizes),
  ];
  for (const sz of sizes) {
    lines.push(
      '',
      `${sz.system.split(' ')[0]} n=${sz.nodes} (running): joins ${sz.trials.map((t) => s(t.joinMs)).join(', ')} s; ` +
        `all up ${sz.trials.map((t) => s(t.allUpMs)).join(', ')} s; ` +
        `load average ${sz.loadBefore[0]!.toFixed(2)} before, ${sz.loadAfter[0]!.toFixed(2)} after.`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const ns = values['no-netns']
    ? ({ kind: 'unavailable', reason: '--no-netns' } as const)
    : enterPrivateNetwork();
  if (ns.kind === 'relaunched') return ns.exitCode;
  const countBytes = ns.kind === 'inside';
  const byteMethod = countBytes
    ? 'loopback tx counters (/proc/net/dev) of a private network namespace (unshare --net): IP packets incl. IP/UDP/TCP headers'
    : `not measured (${ns.kind === 'unavailable' ? ns.reason : ''}): the host loopback carries other jobs' traffic`;

  const cuts: ClusterUnderTest[] = [];
  for (const system of SYSTEMS) {
    if (system === 'serf') {
      const serf = ensureSerf();
      if (!serf.ok) {
        console.error(`serf-baseline: ${serf.reason}`);
        return 1;
      }
      cuts.push(new SerfClusterUnderTest(serfVersion(), { profile: PROFILE }));
    } else {
      const nodeFlags = values['hearsay-node-flags'].split(' ').filter((f) => f !== '');
      cuts.push(new HearsayClusterUnderTest(hearsayVersion(), { nodeFlags }));
    }
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.error(`serf-baseline: ${machine}; sizes ${SIZES.join(',')}, ${TRIALS} trials`);
  console.error(`  bytes: ${byteMethod}`);
  const runsFrom = SYSTEMS.includes('hearsay') ? hearsayRunsFrom() : undefined;
  if (runsFrom !== undefined) console.error(`  hearsay agents run from ${runsFrom}`);
  const code = await measureAll(cuts, countBytes, byteMethod, machine);
  // A source edited during the run makes every agent started after it run the sources
  // (bin/hearsay.js): slower to start and larger, so the figures no longer describe the build.
  const runsFromAtEnd = runsFrom === undefined ? undefined : hearsayRunsFrom();
  if (runsFromAtEnd !== runsFrom) {
    const warning = `Warning: hearsay's agents ran from ${runsFrom} at the start of this run but from ${runsFromAtEnd} at its end: a source changed meanwhile, and the hearsay figures mix the two.`;
    console.error(`serf-baseline: ${warning}`);
    console.log(`\n${warning}`);
  }
  return code;
}

/** Both join modes asked for, over every system; the reports on stdout. */
async function measureAll(
  cuts: readonly ClusterUnderTest[],
  countBytes: boolean,
  byteMethod: string,
  machine: string,
): Promise<number> {
  const heading = `${new Date().toISOString().slice(0, 10)} — ${machine} — ${cuts.map((c) => c.system).join('; ')}`;
  if (JOIN_MODES.includes('spawn')) {
    const code = await spawnMode(cuts, countBytes, byteMethod, machine, heading);
    if (code !== 0) return code;
  }
  if (!JOIN_MODES.includes('running')) return 0;
  const running: RunningSizeSummary[] = [];
  for (const cut of cuts) {
    console.error(`${cut.system} (join mode running):`);
    for (const n of SIZES) running.push(await measureRunningSize(cut, n));
  }
  const lines = runningReport(running);
  console.log([...(JOIN_MODES.includes('spawn') ? [''] : [heading, '']), ...lines].join('\n'));
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(
    'bench/out/serf-baseline-running.json',
    `${JSON.stringify({ machine, sizes: running }, null, 2)}\n`,
  );
  return 0;
}

/** The spawn-mode run: the measurements and output this script always had. */
async function spawnMode(
  cuts: readonly ClusterUnderTest[],
  countBytes: boolean,
  byteMethod: string,
  machine: string,
  heading: string,
): Promise<number> {
  const sizes: SizeSummary[] = [];
  for (const cut of cuts) {
    console.error(`${cut.system}:`);
    for (const n of SIZES) sizes.push(await measureSize(cut, n, countBytes));
  }

  const lines = [
    heading,
    '',
    '| system | nodes | joins converged | join s median / max | all processes up s (median) | converged after last up s (median) | kills detected | detect-all s median / max | detect-first s (median) | false positives | idle bytes/node/s | idle packets/node/s | idle CPU ms/node/s | RSS/agent MiB median / max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sizes.map((sz) => `| ${summaryRow(sz.system.split(' ')[0]!, sz)} |`),
    '',
    `Bytes: ${byteMethod}.`,
  ];
  for (const sz of sizes) {
    const joins = sz.trials.map((t) => t.joinMs).filter((x) => x !== null);
    const med = joins.length > 0 ? median(joins) : 0;
    const stragglers = sz.trials.filter(
      (t) => t.joinMs === null || (joins.length > 2 && t.joinMs > STRAGGLER_FACTOR * med),
    );
    const note = [
      `${sz.system.split(' ')[0]} n=${sz.nodes}: joins ${sz.trials.map((t) => s(t.joinMs)).join(', ')} s`,
      `detect-all ${sz.trials.map((t) => t.detections.map((d) => s(d.allMs)).join(', ')).join('; ')} s`,
      `load average ${sz.loadBefore[0]!.toFixed(2)} before, ${sz.loadAfter[0]!.toFixed(2)} after`,
    ];
    if (stragglers.length > 0) {
      note.push(
        `stragglers: ${stragglers.map((t) => (t.joinMs === null ? `no convergence in ${JOIN_DEADLINE_MS / 1000} s (${t.joinedNodes}/${sz.nodes})` : `${s(t.joinMs)} s`)).join(', ')}`,
      );
    }
    lines.push('', `${note.join('; ')}.`);
  }
  console.log(lines.join('\n'));

  mkdirSync('bench/out', { recursive: true });
  writeFileSync(
    'bench/out/serf-baseline.json',
    `${JSON.stringify({ machine, byteMethod, sizes }, null, 2)}\n`,
  );
  return 0;
}

process.exitCode = await main();
