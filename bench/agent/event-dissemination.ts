/**
 * User-event dissemination and agent memory, hearsay beside Serf in the same run (issue 4).
 *
 * Usage: npx node bench/agent/event-dissemination.ts [--system serf,hearsay] [--nodes 64]
 *          [--trials 3] [--events 20] [--event-spacing-ms 1000] [--event-jitter-ms 500]
 *          [--seed 1] [--event-deadline-s 30]
 *          [--load-rate 1000] [--load-seconds 20] [--settle-s 10] [--drain-s 10]
 *          [--rss-sample-ms 2000] [--profile lan] [--no-netns]
 *
 * Per system, one cluster of `--nodes` agents on 127.0.0.1 (the seed first, then every other
 * agent at once, joining it), each running the same shell script for the user event `bench`
 * (handler-log.ts: it appends `NODE PAYLOAD NANOSECONDS` to one file). Then, in order:
 *   1. convergence: every agent lists every agent alive (polled every 250 ms);
 *   2. idle memory: after `--settle-s`, VmRSS of every agent process;
 *   3. dissemination: `--trials` rounds, each through another sending agent (spread over the
 *      cluster), of `--events` non-coalesced events `--event-spacing-ms` apart plus a seeded
 *      jitter of up to `--event-jitter-ms` (schedule.ts: so that events do not all meet the
 *      sender's gossip tick at one phase; spaced so that they neither coalesce nor queue
 *      behind each other's handlers). Send time is the wall clock
 *      (`Date.now()`, the clock `date +%s%N` reads) just before the request; an event's
 *      latency is the last agent's handler timestamp − the send time, counted only when all
 *      agents ran the handler within `--event-deadline-s`; the others are misses, reported
 *      apart. The handler's own cost (sh, date, an append) is inside, the same for both;
 *   4. load: one sender pushes `--load-rate` events/s for `--load-seconds` through node 0,
 *      named `load`, which no handler matches (64 shells per event would swamp the machine and
 *      measure fork, not gossip). VmRSS of every agent every `--rss-sample-ms` during the
 *      window (the figure: each agent's peak); the sender's acknowledgements, errors and
 *      skips (load.ts); and what reached the agents: hearsay's `userEvents.received` per agent,
 *      Serf's event Lamport clock per agent (it shows the newest event an agent saw, not how
 *      many: Serf exposes no count), both as deltas from before the load, read right after the
 *      window and again after `--drain-s`. 1,000 events/s is beyond what gossip carries
 *      (both keep at most 4,096 queued broadcasts, and remember 512 recent events), so
 *      agents falling behind or dropping is the expected result, reported as it is.
 *
 * Runs inside a private network namespace (`unshare --net`, bench/membership/loopback.ts)
 * unless `--no-netns`: nothing else on this shared machine can take the agents' ports there.
 * Prints progress on stderr, a markdown summary on stdout, and writes
 * bench/out/event-dissemination.json. A 64-agent default run should take 6 to 8 minutes
 * (estimated from 16-agent runs: per system a start-up, 3 × 20 events, 20 s of load, 10 s of
 * drain).
 */

import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { trackDir, untrackDir } from '../../test/support/serf/cleanup.ts';
import { ensureSerf } from '../../test/support/serf/serf-binary.ts';
import { enterPrivateNetwork } from '../membership/loopback.ts';
import { median, rssMiB } from '../membership/measure.ts';
import { hearsayRunsFrom, hearsayVersion, serfVersion } from '../support/versions.ts';
import type { AgentEventCounters, EventCluster, ReceiveCounter } from './event-cluster.ts';
import {
  allHandled,
  type EventOutcome,
  eventId,
  eventOutcomes,
  HANDLED_EVENT_NAME,
  HANDLER_LOG_BYTES_MAX,
  handlerScript,
  type LatencySummary,
  latencySummary,
  parseHandlerLog,
  type SentEvent,
} from './handler-log.ts';
import { HearsayEventCluster } from './hearsay-agents.ts';
import { type LoadResult, runLoad } from './load.ts';
import { eventOffsetsMs } from './schedule.ts';
import { SerfEventCluster } from './serf-agents.ts';

const HELP = `Usage: npx node bench/agent/event-dissemination.ts [options]

User-event dissemination latency (send -> last agent's handler) and agent RSS, idle and
under an event load, for Serf and hearsay side by side.

  --system LIST           serf, hearsay or both, comma-separated   (default serf,hearsay)
  --nodes N               agents per system, 3..256                (default 64)
  --trials N              rounds of events, each via another sender (default 3)
  --events N              events per round                          (default 20)
  --event-spacing-ms MS   pause between two events of a round       (default 1000)
  --event-jitter-ms MS    plus a random 0..MS, seeded (spreads the gossip-tick phase) (default 500)
  --seed N                seed of the jitter; the same for both systems (default 1)
  --event-deadline-s S    an event not handled everywhere by then is a miss (default 30)
  --load-rate N           load events per second; 0 skips the load  (default 1000)
  --load-seconds S        length of the load window                 (default 20)
  --settle-s S            quiet time after convergence before idle RSS (default 10)
  --drain-s S             wait after the load before the last counters (default 10)
  --rss-sample-ms MS      RSS sampling period during the load       (default 2000)
  --serf-count-agents N   Serf agents whose received load events are counted over an
                          RPC event stream (Serf has no counter; 0: none) (default 3)
  --profile NAME          lan, wan or local, for both systems       (default lan)
  --no-netns              run on the host loopback, not in a private network namespace
  --help                  this text

Progress goes to stderr, a markdown summary to stdout, the full result to
bench/out/event-dissemination.json. Develop with e.g. --nodes 8 --trials 1 --events 5
--load-seconds 5 on a shared machine.
`;

const { values } = parseArgs({
  options: {
    system: { type: 'string', default: 'serf,hearsay' },
    nodes: { type: 'string', default: '64' },
    trials: { type: 'string', default: '3' },
    events: { type: 'string', default: '20' },
    'event-spacing-ms': { type: 'string', default: '1000' },
    'event-jitter-ms': { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    'event-deadline-s': { type: 'string', default: '30' },
    'load-rate': { type: 'string', default: '1000' },
    'load-seconds': { type: 'string', default: '20' },
    'settle-s': { type: 'string', default: '10' },
    'drain-s': { type: 'string', default: '10' },
    'rss-sample-ms': { type: 'string', default: '2000' },
    'serf-count-agents': { type: 'string', default: '3' },
    profile: { type: 'string', default: 'lan' },
    'no-netns': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function usage(message: string): never {
  console.error(`event-dissemination: ${message} (see --help)`);
  process.exit(2);
}

function intArg(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max)
    usage(`--${name} takes an integer in [${min}, ${max}]`);
  return n;
}

const SYSTEMS = values.system.split(',');
const NODES = intArg('nodes', 3, 256);
const TRIALS = intArg('trials', 1, 100);
const EVENTS = intArg('events', 1, 10_000);
const EVENT_SPACING_MS = intArg('event-spacing-ms', 0, 600_000);
const EVENT_JITTER_MS = intArg('event-jitter-ms', 0, 600_000);
const SEED = intArg('seed', 0, 2 ** 31 - 1);
const EVENT_DEADLINE_MS = intArg('event-deadline-s', 1, 600) * 1000;
const LOAD_RATE = intArg('load-rate', 0, 100_000);
const LOAD_MS = intArg('load-seconds', 0, 3_600) * 1000;
const SETTLE_MS = intArg('settle-s', 0, 600) * 1000;
const DRAIN_MS = intArg('drain-s', 0, 600) * 1000;
const RSS_SAMPLE_MS = intArg('rss-sample-ms', 100, 60_000);
const SERF_COUNT_AGENTS = intArg('serf-count-agents', 0, 256);
const PROFILE = values.profile;
if (SYSTEMS.some((x) => x !== 'serf' && x !== 'hearsay')) usage('--system lists serf, hearsay');
if (!['lan', 'wan', 'local'].includes(PROFILE)) usage('--profile is lan, wan or local');

/** Long enough for Serf's occasional one-minute straggler (serf-baseline.ts). */
const CONVERGE_DEADLINE_MS = 120_000;
const CONVERGE_POLL_MS = 250;
const HANDLER_LOG_POLL_MS = 200;
const LOAD_TICK_MS = 10;
const LOAD_ANSWER_DEADLINE_MS = 10_000;
/** The load's event name: no handler is registered for it. */
const LOAD_EVENT_NAME = 'load';
/** The load goes through node 0: after convergence the seed is an agent like any other. */
const LOAD_SENDER_INDEX = 0;

const progress = (line: string): void => console.error(`[event-dissemination] ${line}`);
const ms = (x: number | null): string => (x === null ? '—' : x.toFixed(0));
const mib = (x: number | null): string => (x === null ? '—' : x.toFixed(1));

interface RssFigures {
  readonly medianMiB: number | null;
  readonly maxMiB: number | null;
  readonly perAgentMiB: readonly number[];
}

function rssFigures(perAgent: readonly number[]): RssFigures {
  const ok = perAgent.filter(Number.isFinite);
  return {
    medianMiB: ok.length > 0 ? median(ok) : null,
    maxMiB: ok.length > 0 ? Math.max(...ok) : null,
    perAgentMiB: perAgent,
  };
}

interface TrialRecord {
  readonly sender: string;
  readonly outcomes: readonly EventOutcome[];
  readonly summary: LatencySummary;
}

/** How far the load got into the agents: per-agent deltas from before the load. */
interface Reach {
  /** hearsay: events received per agent; Serf: event-clock advance per agent. */
  readonly kind: 'received' | 'event clock';
  readonly medianPerAgent: number | null;
  readonly minPerAgent: number | null;
  /** The sending agent's own delta (the events it accepted). */
  readonly sender: number | null;
  readonly senderQueueDepth: number | null;
  /** hearsay: user events dropped by reason, summed over the agents. */
  readonly dropped: Readonly<Record<string, number>> | null;
}

interface LoadRecord {
  readonly sender: string;
  readonly result: LoadResult;
  readonly rssSamples: number;
  /** Each agent's peak VmRSS during the load window. */
  readonly rssPeak: RssFigures;
  readonly senderPeakMiB: number | null;
  readonly rssAfterDrain: RssFigures;
  readonly reachAtEnd: Reach | null;
  readonly reachAfterDrain: Reach | null;
  /** Serf: events received, counted on a stream from a few sampled agents. */
  readonly streamed: StreamedCounts | null;
}

interface StreamedCounts {
  readonly agents: readonly string[];
  readonly atEnd: readonly number[];
  readonly afterDrain: readonly number[];
  readonly errors: readonly string[];
}

interface SystemResult {
  readonly system: string;
  readonly nodes: number;
  readonly convergeMs: number | null;
  readonly rssIdle: RssFigures | null;
  readonly trials: readonly TrialRecord[];
  /** All rounds pooled. */
  readonly events: LatencySummary | null;
  readonly handlerLogMalformed: number;
  readonly load: LoadRecord | null;
  readonly diagnostics: readonly string[];
  /** hearsay: whether the agents ran the compiled build or the sources (`hearsayRunsFrom`). */
  readonly runsFrom: string | null;
}

function senderIndex(trial: number): number {
  return Math.floor((trial * NODES) / TRIALS) % NODES;
}

function readHandlerLog(path: string): ReturnType<typeof parseHandlerLog> {
  const bytes = statSync(path).size;
  if (bytes > HANDLER_LOG_BYTES_MAX) {
    throw new Error(`handler log ${path} is ${bytes} bytes, over ${HANDLER_LOG_BYTES_MAX}`);
  }
  return parseHandlerLog(readFileSync(path, 'utf8'));
}

async function converge(cluster: EventCluster): Promise<number | null> {
  const startMs = performance.now();
  const done = new Array<boolean>(NODES).fill(false);
  /** What each agent saw at its last poll: alive count, or null while it does not answer. */
  const seen = new Array<number | null>(NODES).fill(null);
  let lastReport = startMs;
  while (performance.now() - startMs < CONVERGE_DEADLINE_MS) {
    await Promise.all(
      done.map(async (ok, i) => {
        if (ok) return;
        try {
          seen[i] = await cluster.aliveSeen(i);
          done[i] = seen[i] === NODES;
        } catch {
          // Not answering yet: still starting.
        }
      }),
    );
    const converged = done.filter(Boolean).length;
    if (converged === NODES) return performance.now() - startMs;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      const behind = seen
        .map((x, i) => `${cluster.nameOf(i)} ${x ?? 'no answer'}`)
        .filter((_, i) => !done[i]);
      progress(
        `  converging: ${converged}/${NODES} agents list all ${NODES} alive; the others see ${behind.slice(0, 8).join(', ')}`,
      );
    }
    await sleep(CONVERGE_POLL_MS);
  }
  return null;
}

async function runTrialRound(
  cluster: EventCluster,
  trial: number,
  logPath: string,
): Promise<TrialRecord> {
  const sender = senderIndex(trial);
  const sent: SentEvent[] = [];
  // Seed per round: both systems get the same schedule, round by round.
  const offsetsMs = eventOffsetsMs(EVENTS, EVENT_SPACING_MS, EVENT_JITTER_MS, SEED + trial);
  const startMs = performance.now();
  for (let k = 0; k < EVENTS; k++) {
    const waitMs = startMs + offsetsMs[k]! - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    const id = eventId(`t${trial}-e${k}`);
    const sentAtMs = Date.now();
    try {
      await cluster.sendEvent(sender, HANDLED_EVENT_NAME, id);
      sent.push({ id, sender: cluster.nameOf(sender), sentAtMs });
    } catch (err) {
      const sendError = err instanceof Error ? err.message : String(err);
      sent.push({ id, sender: cluster.nameOf(sender), sentAtMs, sendError });
    }
  }
  const lastDeadlineMs = Math.max(...sent.map((e) => e.sentAtMs)) + EVENT_DEADLINE_MS;
  let outcomes = eventOutcomes(sent, readHandlerLog(logPath).lines, NODES, EVENT_DEADLINE_MS);
  while (!allHandled(outcomes) && Date.now() < lastDeadlineMs) {
    await sleep(HANDLER_LOG_POLL_MS);
    outcomes = eventOutcomes(sent, readHandlerLog(logPath).lines, NODES, EVENT_DEADLINE_MS);
  }
  return { sender: cluster.nameOf(sender), outcomes, summary: latencySummary(outcomes) };
}

async function allCounters(cluster: EventCluster): Promise<(AgentEventCounters | null)[]> {
  return Promise.all(cluster.pids().map((_, i) => cluster.counters(i).catch(() => null)));
}

function reachOf(
  before: readonly (AgentEventCounters | null)[],
  after: readonly (AgentEventCounters | null)[],
): Reach | null {
  const deltas: number[] = [];
  let kind: Reach['kind'] | undefined;
  const dropped: Record<string, number> = {};
  let anyDropped = false;
  let senderDelta: number | null = null;
  for (let i = 0; i < after.length; i++) {
    const a = after[i];
    const b = before[i];
    if (a === null || a === undefined || b === null || b === undefined) continue;
    let d: number | null = null;
    if (a.received !== null && b.received !== null) {
      kind = 'received';
      d = a.received - b.received;
    } else if (a.eventClock !== null && b.eventClock !== null) {
      kind = 'event clock';
      d = a.eventClock - b.eventClock;
    }
    if (d === null) continue;
    if (i === LOAD_SENDER_INDEX) senderDelta = d;
    else deltas.push(d);
    if (a.dropped !== null) {
      anyDropped = true;
      for (const [k, n] of Object.entries(a.dropped)) {
        dropped[k] = (dropped[k] ?? 0) + n - (b.dropped?.[k] ?? 0);
      }
    }
  }
  if (kind === undefined) return null;
  return {
    kind,
    medianPerAgent: deltas.length > 0 ? median(deltas) : null,
    minPerAgent: deltas.length > 0 ? Math.min(...deltas) : null,
    sender: senderDelta,
    senderQueueDepth: after[LOAD_SENDER_INDEX]?.queueDepth ?? null,
    dropped: anyDropped ? dropped : null,
  };
}

/** Agents a received-events stream is opened on: spread over the cluster, never the sender. */
function sampledAgents(): number[] {
  const k = Math.min(SERF_COUNT_AGENTS, NODES - 1);
  return Array.from({ length: k }, (_, j) => Math.floor(((j + 1) * NODES) / (k + 1)));
}

async function runLoadPhase(cluster: EventCluster): Promise<LoadRecord> {
  const pids = cluster.pids();
  const streams: ReceiveCounter[] = [];
  const streamErrors: string[] = [];
  const streamed = cluster.countReceived === undefined ? [] : sampledAgents();
  for (const i of streamed) {
    try {
      streams.push(await cluster.countReceived!(i, LOAD_EVENT_NAME));
    } catch (err) {
      streamErrors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const before = await allCounters(cluster);
  const peaks = pids.map(rssMiB);
  let samples = 1;
  const sample = (): void => {
    samples++;
    pids.forEach((pid, i) => {
      const x = rssMiB(pid);
      if (Number.isFinite(x) && !(x <= peaks[i]!)) peaks[i] = x;
    });
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const sender = cluster.loadSender(LOAD_SENDER_INDEX);
  let result: LoadResult;
  try {
    result = await runLoad(sender, {
      name: LOAD_EVENT_NAME,
      ratePerSec: LOAD_RATE,
      durationMs: LOAD_MS,
      tickMs: LOAD_TICK_MS,
      answerDeadlineMs: LOAD_ANSWER_DEADLINE_MS,
    });
  } catch (err) {
    for (const c of streams) c.close();
    throw err;
  } finally {
    clearInterval(sampler);
    sender.close();
  }
  sample();
  const atEnd = await allCounters(cluster);
  const streamedAtEnd = streams.map((c) => c.count);
  await sleep(DRAIN_MS);
  const afterDrain = await allCounters(cluster);
  const streamedAfterDrain = streams.map((c) => c.count);
  for (const c of streams) {
    if (c.error !== undefined) streamErrors.push(c.error);
    c.close();
  }
  const peak = rssFigures(peaks);
  return {
    sender: cluster.nameOf(LOAD_SENDER_INDEX),
    result,
    rssSamples: samples,
    rssPeak: peak,
    senderPeakMiB: Number.isFinite(peaks[LOAD_SENDER_INDEX]!) ? peaks[LOAD_SENDER_INDEX]! : null,
    rssAfterDrain: rssFigures(pids.map(rssMiB)),
    reachAtEnd: reachOf(before, atEnd),
    reachAfterDrain: reachOf(before, afterDrain),
    streamed:
      streamed.length === 0
        ? null
        : {
            agents: streamed.map((i) => cluster.nameOf(i)),
            atEnd: streamedAtEnd,
            afterDrain: streamedAfterDrain,
            errors: streamErrors,
          },
  };
}

function reachText(l: LoadRecord, which: 'atEnd' | 'afterDrain'): string {
  const reach = describeReach(which === 'atEnd' ? l.reachAtEnd : l.reachAfterDrain);
  const streamed = describeStreamed(l.streamed, which);
  return streamed === '' ? reach : `${reach}; ${streamed}`;
}

function describeStreamed(s: StreamedCounts | null, which: 'atEnd' | 'afterDrain'): string {
  if (s === null) return '';
  const xs = s[which];
  if (xs.length === 0) return `received: not counted (${s.errors.join('; ')})`;
  return `received (${xs.length} sampled agents, streamed): median ${median([...xs])}, min ${Math.min(...xs)}`;
}

function describeReach(r: Reach | null): string {
  if (r === null) return 'not available';
  const dropped =
    r.dropped === null
      ? ''
      : `, dropped ${
          Object.entries(r.dropped)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') || 'none'
        }`;
  return `${r.kind} per agent median ${r.medianPerAgent ?? '—'}, min ${r.minPerAgent ?? '—'}; sender ${r.sender ?? '—'}, sender queue ${r.senderQueueDepth ?? '—'}${dropped}`;
}

async function runSystem(cluster: EventCluster): Promise<SystemResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-event-bench-'));
  trackDir(dir);
  const logPath = join(dir, 'handled.log');
  const scriptPath = join(dir, 'handler.sh');
  writeFileSync(logPath, '');
  writeFileSync(scriptPath, handlerScript(logPath));
  chmodSync(scriptPath, 0o755);
  const diagnostics: string[] = [];
  const trials: TrialRecord[] = [];
  let convergeMs: number | null = null;
  let rssIdle: RssFigures | null = null;
  let load: LoadRecord | null = null;
  let malformed = 0;
  let runsFrom: string | null = null;
  try {
    // Judged at the spawn: other engineers' edits to src/ make the build stale mid-run.
    runsFrom = cluster instanceof HearsayEventCluster ? hearsayRunsFrom() : null;
    progress(
      `${cluster.system}: starting ${NODES} agents${runsFrom === null ? '' : ` from ${runsFrom}`}`,
    );
    await cluster.start({
      nodes: NODES,
      handlerScript: scriptPath,
      handledEventName: HANDLED_EVENT_NAME,
      profile: PROFILE,
    });
    convergeMs = await converge(cluster);
    if (convergeMs === null) {
      diagnostics.push(`no convergence within ${CONVERGE_DEADLINE_MS / 1000} s`);
      for (let i = 0; i < Math.min(3, NODES); i++) diagnostics.push(cluster.describe(i));
      progress(`  ${diagnostics.join('\n  ')}`);
    } else {
      progress(
        `  converged in ${(convergeMs / 1000).toFixed(2)} s; settling ${SETTLE_MS / 1000} s`,
      );
      await sleep(SETTLE_MS);
      rssIdle = rssFigures(cluster.pids().map(rssMiB));
      progress(`  idle RSS median ${mib(rssIdle.medianMiB)} MiB, max ${mib(rssIdle.maxMiB)} MiB`);
      for (let t = 0; t < TRIALS; t++) {
        const r = await runTrialRound(cluster, t, logPath);
        trials.push(r);
        const s = r.summary;
        progress(
          `  trial ${t} via ${r.sender}: ${s.complete}/${s.events} handled by all ${NODES}, ` +
            `median ${ms(s.medianMs)} ms, p95 ${ms(s.p95Ms)} ms, max ${ms(s.maxMs)} ms, ` +
            `misses ${s.misses}, send errors ${s.sendErrors}, load ${loadavg()[0]!.toFixed(2)}`,
        );
        for (const o of r.outcomes.filter((x) => x.latencyMs === null).slice(0, 3)) {
          progress(
            `    ${o.id}: handled by ${o.handledBy}/${NODES}${o.sendError === undefined ? '' : `, send failed: ${o.sendError}`}`,
          );
        }
      }
      malformed = readHandlerLog(logPath).malformed;
      if (malformed > 0) progress(`  handler log: ${malformed} malformed line(s)`);
      if (LOAD_RATE > 0 && LOAD_MS > 0) {
        progress(
          `  load: ${LOAD_RATE} events/s for ${LOAD_MS / 1000} s via ${cluster.nameOf(LOAD_SENDER_INDEX)}`,
        );
        load = await runLoadPhase(cluster);
        const l = load.result;
        progress(
          `  load: due ${l.due}, sent ${l.sent}, acked ${l.acked}, errors ${l.errors}, skipped ${l.skipped}, ` +
            `unanswered ${l.unanswered}; RSS peak median ${mib(load.rssPeak.medianMiB)} MiB, ` +
            `max ${mib(load.rssPeak.maxMiB)} MiB (sender ${mib(load.senderPeakMiB)} MiB)`,
        );
        for (const e of l.errorSamples) progress(`    load error: ${e}`);
        progress(`    at the end of the window: ${reachText(load, 'atEnd')}`);
        progress(`    after ${DRAIN_MS / 1000} s drain: ${reachText(load, 'afterDrain')}`);
      }
    }
    const exited = cluster
      .pids()
      .map((pid, i) => ({ pid, i }))
      .filter(({ pid }) => !Number.isFinite(rssMiB(pid)));
    for (const { i } of exited.slice(0, 3))
      diagnostics.push(`exited during the run: ${cluster.describe(i)}`);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    untrackDir(dir);
  }
  const all = trials.flatMap((t) => t.outcomes);
  return {
    system: cluster.system,
    nodes: NODES,
    convergeMs,
    rssIdle,
    trials,
    events: all.length > 0 ? latencySummary(all) : null,
    handlerLogMalformed: malformed,
    load,
    diagnostics,
    runsFrom,
  };
}

/**
 * Whether `hearsay agent` will run the compiled dist/ (as bin/hearsay.js decides: the build is
 * at least as new as every source) or type-strip src/, which costs start-up time and memory.
 */
function ratio(h: number | null | undefined, s: number | null | undefined): string {
  return h === null || h === undefined || s === null || s === undefined || s === 0
    ? '—'
    : `${(h / s).toFixed(2)}x`;
}

function markdown(machine: string, results: readonly SystemResult[]): string {
  const short = (r: SystemResult): string => r.system.split(' ')[0]!;
  const lines = [
    `${new Date().toISOString().slice(0, 10)} — ${machine} — ${results.map((r) => r.system).join('; ')}`,
    '',
    `Event dissemination: ${TRIALS} round(s) × ${EVENTS} non-coalesced events, ${EVENT_SPACING_MS} ms + 0..${EVENT_JITTER_MS} ms (seed ${SEED}) apart, from \`event\` to the last of ${NODES} agents' handler (a shell script).`,
    '',
    '| system | nodes | converged s | events handled by all | misses | send errors | median ms | p95 ms | max ms | first handler median ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const e = r.events;
    lines.push(
      `| ${short(r)} | ${r.nodes} | ${r.convergeMs === null ? 'no' : (r.convergeMs / 1000).toFixed(2)} | ${e === null ? '—' : `${e.complete}/${e.events}`} | ${e?.misses ?? '—'} | ${e?.sendErrors ?? '—'} | ${ms(e?.medianMs ?? null)} | ${ms(e?.p95Ms ?? null)} | ${ms(e?.maxMs ?? null)} | ${ms(e?.firstMedianMs ?? null)} |`,
    );
  }
  const loadText =
    LOAD_RATE > 0 && LOAD_MS > 0
      ? `and during ${LOAD_RATE} events/s for ${LOAD_MS / 1000} s through one agent (event \`load\`, no handler; sampled every ${RSS_SAMPLE_MS} ms, each agent's peak)`
      : '(no load phase)';
  lines.push(
    '',
    `Agent memory (VmRSS per agent process) idle after ${SETTLE_MS / 1000} s settled, ${loadText}.`,
    '',
    '| system | idle MiB median / max | under load: peak MiB median / max | sender peak MiB | after drain MiB median / max | load due / sent / acked / errors / skipped / unanswered | reach after drain |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    const l = r.load;
    const reach = l?.reachAfterDrain ?? null;
    lines.push(
      `| ${short(r)} | ${mib(r.rssIdle?.medianMiB ?? null)} / ${mib(r.rssIdle?.maxMiB ?? null)} | ${mib(l?.rssPeak.medianMiB ?? null)} / ${mib(l?.rssPeak.maxMiB ?? null)} | ${mib(l?.senderPeakMiB ?? null)} | ${mib(l?.rssAfterDrain.medianMiB ?? null)} / ${mib(l?.rssAfterDrain.maxMiB ?? null)} | ${l === null ? '—' : `${l.result.due} / ${l.result.sent} / ${l.result.acked} / ${l.result.errors} / ${l.result.skipped} / ${l.result.unanswered}`} | ${[reach === null ? '' : `${reach.kind}: median ${reach.medianPerAgent}, min ${reach.minPerAgent} per agent (sender ${reach.sender})`, describeStreamed(l?.streamed ?? null, 'afterDrain')].filter((x) => x !== '').join('; ') || '—'} |`,
    );
  }
  const serf = results.find((r) => short(r) === 'serf');
  const hearsay = results.find((r) => short(r) === 'hearsay');
  if (serf !== undefined && hearsay !== undefined) {
    lines.push(
      '',
      `hearsay / Serf: latency median ${ratio(hearsay.events?.medianMs, serf.events?.medianMs)}, p95 ${ratio(hearsay.events?.p95Ms, serf.events?.p95Ms)}, max ${ratio(hearsay.events?.maxMs, serf.events?.maxMs)}; ` +
        `RSS idle median ${ratio(hearsay.rssIdle?.medianMiB, serf.rssIdle?.medianMiB)}, under load peak median ${ratio(hearsay.load?.rssPeak.medianMiB, serf.load?.rssPeak.medianMiB)}, max ${ratio(hearsay.load?.rssPeak.maxMiB, serf.load?.rssPeak.maxMiB)}.`,
    );
  }
  lines.push(
    '',
    "Reach: how far the load got into the agents other than the sender, from before the load to after the drain. hearsay counts the user events each agent received (`stats.userEvents.received`). Serf has no such counter: its first figure is the advance of each agent's event Lamport clock (the newest event it saw, not how many: each sent event ticks the sender's clock once), the second the events a few sampled agents delivered, counted on an RPC event stream.",
  );
  for (const r of results) {
    if (r.runsFrom !== null) lines.push(`${short(r)} agents ran from ${r.runsFrom}.`);
  }
  for (const r of results) {
    if (r.load !== null) {
      lines.push(
        '',
        `${short(r)} load: ${r.load.result.acked} acked in ${r.load.result.seconds.toFixed(1)} s; at the end of the window ${reachText(r.load, 'atEnd')}; after the drain ${reachText(r.load, 'afterDrain')}.` +
          (r.load.result.errorSamples.length > 0
            ? ` Errors: ${r.load.result.errorSamples.join(' | ')}.`
            : ''),
      );
    }
    for (const d of r.diagnostics) lines.push('', `${short(r)}: ${d}`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const ns = values['no-netns']
    ? ({ kind: 'unavailable', reason: '--no-netns' } as const)
    : enterPrivateNetwork();
  if (ns.kind === 'relaunched') return ns.exitCode;
  const network =
    ns.kind === 'inside'
      ? 'private network namespace (unshare --net), 127.0.0.1'
      : `host loopback 127.0.0.1 (${ns.reason})`;

  const clusters: EventCluster[] = [];
  for (const system of SYSTEMS) {
    if (system === 'serf') {
      const serf = ensureSerf();
      if (!serf.ok) {
        console.error(`event-dissemination: ${serf.reason}`);
        return 1;
      }
      clusters.push(new SerfEventCluster(serfVersion(), PROFILE));
    } else {
      clusters.push(new HearsayEventCluster(hearsayVersion(), PROFILE));
    }
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  progress(
    `${machine}; ${network}; ${NODES} agents, ${TRIALS} trials × ${EVENTS} events, seed ${SEED}`,
  );

  const results: SystemResult[] = [];
  for (const cluster of clusters) results.push(await runSystem(cluster));

  console.log(markdown(machine, results));
  mkdirSync('bench/out', { recursive: true });
  const options = {
    nodes: NODES,
    trials: TRIALS,
    events: EVENTS,
    eventSpacingMs: EVENT_SPACING_MS,
    eventJitterMs: EVENT_JITTER_MS,
    seed: SEED,
    eventDeadlineMs: EVENT_DEADLINE_MS,
    loadRatePerSec: LOAD_RATE,
    loadMs: LOAD_MS,
    settleMs: SETTLE_MS,
    drainMs: DRAIN_MS,
    rssSampleMs: RSS_SAMPLE_MS,
    profile: PROFILE,
  };
  writeFileSync(
    'bench/out/event-dissemination.json',
    `${JSON.stringify({ machine, network, options, results }, null, 2)}\n`,
  );
  progress('wrote bench/out/event-dissemination.json');
  return results.every((r) => r.convergeMs !== null) ? 0 : 1;
}

process.exitCode = await main();
