/**
 * Membership measurements over any `ClusterUnderTest`: join convergence, failure detection
 * with false positives, idle traffic and memory. One trial = one fresh cluster, with one or
 * more kills, one after another.
 *
 * Two kinds of trial. `runTrial` (spawn mode) times the joiners from their spawn, process
 * start-up included, then goes on to detection, idle traffic and memory. `runRunningJoinTrial`
 * (running mode) times the protocol alone: all n processes start with no join and the time
 * until every one answers is reported apart ("all processes up"); then the n − 1 joins to node
 * 0 are issued back to back through each system's API, the clock starting just before the
 * first, and convergence is polled exactly as in spawn mode. It stops after a settle period
 * with one more look for false positives: detection and traffic do not depend on how the
 * cluster was joined, and spawn mode measures them.
 *
 * All clocks are `performance.now()` in this process. Member lists are polled (never
 * awaited by sleeping a guessed time): a poll round asks every node still of interest at
 * once and waits for all answers, then pauses `pollMs`. A node's time is the moment its
 * answer arrived, so figures are upper bounds by at most one round (~pollMs + the RPC).
 * Polls themselves cost CPU on the nodes and here; they stop during the idle window.
 *
 * False positives: any poll in which a node lists a member other than the killed one as
 * anything but alive (joins in progress are simply absent, not failed), plus, where the
 * system logs them, suspicions of a member other than the killed one. Both are counted from
 * the first poll of the trial to its end.
 */

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterUnderTest, MemberView } from './cluster-under-test.ts';
import { readLoopback } from './loopback.ts';

/** Wait after `quiesce` before the idle window, for the connections it closed to finish closing. */
const QUIESCE_SETTLE_MS = 1000;

export interface TrialOptions {
  readonly nodes: number;
  /**
   * Nodes to SIGKILL, one after another, each once every survivor has listed the one before
   * it failed and `killGapMs` has passed (never 0, the seed, so a slow join cannot be
   * confused with a kill). One failure detection each: its time is dominated by how soon
   * some survivor's round-robin reaches the victim, which varies by seconds from kill to
   * kill, so medians need many kills, and kills in a running cluster cost no start-up.
   */
  readonly victims: readonly number[];
  /** Quiet time between one detection completing and the next kill. */
  readonly killGapMs: number;
  readonly joinDeadlineMs: number;
  readonly detectDeadlineMs: number;
  readonly joinPollMs: number;
  readonly detectPollMs: number;
  /** Quiet time after convergence before the idle window / the kill. */
  readonly settleMs: number;
  /** Idle window for bytes; 0 skips it. */
  readonly idleMs: number;
  /** Whether loopback counters are this cluster's alone (private namespace). */
  readonly countBytes: boolean;
}

export interface FalsePositive {
  readonly observer: string;
  readonly subject: string;
  readonly status: string;
  readonly atMs: number;
}

export interface TrialResult {
  readonly nodes: number;
  /** Joiners spawned → every node lists every node alive; null if the deadline passed. */
  readonly joinMs: number | null;
  /** Joiners spawned → every node answered once (process start-up). */
  readonly allUpMs: number | null;
  /** Median over nodes of spawn → that node listing everyone alive. */
  readonly joinNodeMedianMs: number | null;
  readonly joinedNodes: number;
  /** One per kill, in order; the kills stop at the first one not detected by everyone. */
  readonly detections: readonly Detection[];
  readonly falsePositives: readonly FalsePositive[];
  readonly idle: IdleResult | null;
  readonly rssMiB: readonly number[];
  /** Why a phase did not complete: the nodes that never answered or never converged. */
  readonly diagnostics: readonly string[];
}

export interface Detection {
  readonly victim: string;
  /** SIGKILL → first survivor lists the victim failed. */
  readonly firstMs: number | null;
  /** SIGKILL → every survivor lists the victim failed; null if the deadline passed. */
  readonly allMs: number | null;
  readonly detectedBy: number;
  readonly survivors: number;
  /** Suspicions of the victim logged after the kill (null: the system does not log them). */
  readonly victimSuspicions: number | null;
}

/** Nodes described in a failed phase's diagnostics, at most. */
const DIAGNOSED_NODES_MAX = 3;
/** A join slower than this gets its slowest nodes, and what they lacked, reported. */
const SLOW_JOIN_MS = 5_000;

export interface IdleResult {
  readonly seconds: number;
  readonly bytesPerNodePerSec: number | null;
  readonly packetsPerNodePerSec: number | null;
  /** CPU per agent over the window, ms per second (no polls run in it); null if one was gone. */
  readonly cpuMsPerNodePerSec: number | null;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** VmRSS of a PID in MiB, or NaN if it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, ms; NaN once it is gone. */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name, which may hold spaces: utime and stime are 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ, what /proc/PID/stat counts in (100 on every mainstream build). */
const CLOCK_TICKS_PER_S = 100;

/** Starts a CPU reading of `pids`: the returned call gives the ms all used since, or null if one is gone. */
function cpuSince(pids: readonly number[]): () => number | null {
  const before = pids.map(cpuMs);
  return () => {
    const used = pids.reduce((sum, pid, i) => sum + cpuMs(pid) - before[i]!, 0);
    return Number.isFinite(used) ? used : null;
  };
}

/**
 * The window `joinCpuMs` covers, from just before the first join: long enough for a join
 * burst to settle at 64 agents in either system, the same for both so they compare.
 */
export const JOIN_CPU_WINDOW_MS = 5_000;

/** Per node: when it first answered, when it first listed everyone alive, what it lacked. */
interface PollOutcome {
  readonly upAt: (number | undefined)[];
  readonly joinedAt: (number | undefined)[];
  /** Per node, what its last unconverged poll lacked: names a straggler's missing peers. */
  readonly lastMissing: string[][];
}

/**
 * Poll every node not yet done until all are, or `deadlineMs` (a `performance.now()` time)
 * passes. A node is done once it answers (`until: 'answer'`) or lists every name alive
 * (`'all-alive'`). Every list seen goes through the false-positive log.
 */
async function pollNodes(
  cut: ClusterUnderTest,
  names: readonly string[],
  until: 'answer' | 'all-alive',
  deadlineMs: number,
  pollMs: number,
  fp: FalsePositiveLog,
): Promise<PollOutcome> {
  const n = names.length;
  const upAt: (number | undefined)[] = new Array(n).fill(undefined);
  const joinedAt: (number | undefined)[] = new Array(n).fill(undefined);
  const lastMissing: string[][] = names.map(() => []);
  while (joinedAt.some((t) => t === undefined) && performance.now() < deadlineMs) {
    await Promise.all(
      names.map(async (name, i) => {
        if (joinedAt[i] !== undefined) return;
        const list = await tryMembers(cut, i);
        const at = performance.now();
        if (list === undefined) return;
        upAt[i] ??= at;
        fp.note(name, list, at);
        if (until === 'answer') {
          joinedAt[i] = at;
          return;
        }
        const alive = new Set(list.filter((m) => m.status === 'alive').map((m) => m.name));
        const missing = names.filter((x) => !alive.has(x));
        if (missing.length === 0) joinedAt[i] = at;
        else lastMissing[i] = missing;
      }),
    );
    if (joinedAt.some((t) => t === undefined)) await sleep(pollMs);
  }
  return { upAt, joinedAt, lastMissing };
}

async function tryMembers(cut: ClusterUnderTest, i: number): Promise<MemberView[] | undefined> {
  try {
    return await cut.members(i);
  } catch {
    return undefined;
  }
}

class FalsePositiveLog {
  readonly found: FalsePositive[] = [];
  readonly #seen = new Set<string>();
  /** Subjects whose non-alive status is expected (the victim, once killed). */
  readonly expected = new Set<string>();

  note(observer: string, list: readonly MemberView[], atMs: number): void {
    for (const m of list) {
      if (m.status === 'alive' || this.expected.has(m.name)) continue;
      const key = `${observer}>${m.name}>${m.status}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.found.push({ observer, subject: m.name, status: m.status, atMs });
    }
  }
}

export async function runTrial(cut: ClusterUnderTest, o: TrialOptions): Promise<TrialResult> {
  const fp = new FalsePositiveLog();
  const n = o.nodes;
  const names = Array.from({ length: n }, (_, i) => cut.nameOf(i));
  const trialStartMs = performance.now();
  try {
    // (a) join convergence.
    const t0 = await cut.start(n);
    const { upAt, joinedAt, lastMissing } = await pollNodes(
      cut,
      names,
      'all-alive',
      t0 + o.joinDeadlineMs,
      o.joinPollMs,
      fp,
    );
    const joined = joinedAt.filter((t): t is number => t !== undefined).map((t) => t - t0);
    const joinMs = joined.length === n ? Math.max(...joined) : null;
    const allUpMs = upAt.every((t) => t !== undefined) ? Math.max(...upAt) - t0 : null;
    if (joinMs === null) {
      const never = names.map((_, i) => i).filter((i) => upAt[i] === undefined);
      const slow = names
        .map((_, i) => i)
        .filter((i) => upAt[i] !== undefined && joinedAt[i] === undefined);
      const diagnostics = [
        `join: ${never.length} node(s) never answered, ${slow.length} answered but never listed all ${n} alive`,
        ...[...never, ...slow]
          .slice(0, DIAGNOSED_NODES_MAX)
          .map((i) => cut.describe?.(i) ?? names[i]!),
      ];
      return {
        diagnostics,
        nodes: n,
        joinMs,
        allUpMs,
        joinNodeMedianMs: joined.length > 0 ? median(joined) : null,
        joinedNodes: joined.length,
        detections: [],
        falsePositives: fp.found,
        idle: null,
        rssMiB: cut.pids().map(rssMiB),
      };
    }

    // (c) idle traffic, then (d) memory.
    await sleep(o.settleMs);
    let idle: IdleResult | null = null;
    if (o.idleMs > 0) {
      cut.quiesce();
      // The closes quiesce starts (FIN, ACK) finish before the byte counters are read.
      await sleep(QUIESCE_SETTLE_MS);
      const before = o.countBytes ? readLoopback() : undefined;
      const idleCpu = cpuSince(cut.pids());
      const idleStartMs = performance.now();
      await sleep(o.idleMs);
      const seconds = (performance.now() - idleStartMs) / 1000;
      const after = o.countBytes ? readLoopback() : undefined;
      const cpuUsed = idleCpu();
      idle = {
        seconds,
        bytesPerNodePerSec: before && after ? (after.txBytes - before.txBytes) / n / seconds : null,
        packetsPerNodePerSec:
          before && after ? (after.txPackets - before.txPackets) / n / seconds : null,
        cpuMsPerNodePerSec: cpuUsed === null ? null : cpuUsed / n / seconds,
      };
    }
    const rss = cut.pids().map(rssMiB);

    // (b) failure detection, one kill after another.
    const alive = new Set(names.map((_, i) => i));
    const kills: Kill[] = [];
    const diagnostics: string[] = [];
    for (const [k, v] of o.victims.entries()) {
      if (k > 0) await sleep(o.killGapMs);
      alive.delete(v);
      const kill = await detectKill(cut, names, v, [...alive], fp, o);
      kills.push(kill);
      if (kill.undetected.length > 0) {
        diagnostics.push(
          `detect: ${kill.undetected.length} survivor(s) never listed ${kill.victim} failed`,
          ...kill.undetected
            .slice(0, DIAGNOSED_NODES_MAX)
            .map((i) => cut.describe?.(i) ?? names[i]!),
        );
        break;
      }
    }
    const suspicions = cut.suspicions?.();
    const killedAt = new Map(kills.map((k) => [k.victim, k.killedAtMs]));
    if (suspicions !== undefined) {
      for (const s of suspicions) {
        if (s.atMs < trialStartMs) continue;
        if (s.atMs >= (killedAt.get(s.subject) ?? Number.POSITIVE_INFINITY)) continue;
        fp.found.push({
          observer: s.observer,
          subject: s.subject,
          status: 'suspect',
          atMs: s.atMs,
        });
      }
    }
    if (joinMs > SLOW_JOIN_MS) {
      const slowest = names
        .map((_, i) => i)
        .sort((x, y) => joinedAt[y]! - joinedAt[x]!)
        .slice(0, DIAGNOSED_NODES_MAX);
      const about = (i: number): string => {
        const lacked = lastMissing[i]!;
        const shown = lacked.slice(0, 4).join(', ') + (lacked.length > 4 ? ', …' : '');
        const atS = ((joinedAt[i]! - t0) / 1000).toFixed(2);
        return `${names[i]} converged at ${atS} s, lacking ${lacked.length} (${shown}) until then`;
      };
      diagnostics.unshift(`slow join: ${slowest.map(about).join('; ')}`);
    }
    return {
      diagnostics,
      nodes: n,
      joinMs,
      allUpMs,
      joinNodeMedianMs: median(joined),
      joinedNodes: joined.length,
      detections: kills.map((k) => ({
        victim: k.victim,
        firstMs: k.firstMs,
        allMs: k.allMs,
        detectedBy: k.detectedBy,
        survivors: k.survivors,
        victimSuspicions:
          suspicions === undefined
            ? null
            : suspicions.filter((s) => s.subject === k.victim && s.atMs >= k.killedAtMs).length,
      })),
      falsePositives: fp.found,
      idle,
      rssMiB: rss,
    };
  } finally {
    await cut.stop();
  }
}

interface Kill extends Omit<Detection, 'victimSuspicions'> {
  readonly killedAtMs: number;
  /** Survivors that never listed the victim failed before the deadline. */
  readonly undetected: readonly number[];
}

/** SIGKILL node `victim` and poll `survivors` until every one lists it failed. */
async function detectKill(
  cut: ClusterUnderTest,
  names: readonly string[],
  victim: number,
  survivors: readonly number[],
  fp: FalsePositiveLog,
  o: TrialOptions,
): Promise<Kill> {
  const name = names[victim]!;
  const killedAtMs = performance.now();
  cut.kill(victim);
  fp.expected.add(name);
  const detectedAt = new Map<number, number>();
  const detectDeadline = killedAtMs + o.detectDeadlineMs;
  while (detectedAt.size < survivors.length && performance.now() < detectDeadline) {
    await Promise.all(
      survivors.map(async (i) => {
        if (detectedAt.has(i)) return;
        const list = await tryMembers(cut, i);
        const at = performance.now();
        if (list === undefined) return;
        fp.note(names[i]!, list, at);
        if (list.find((m) => m.name === name)?.status === 'failed') detectedAt.set(i, at);
      }),
    );
    await sleep(o.detectPollMs);
  }
  // One last look at everyone for a failure that happened after a node's own detection.
  await Promise.all(
    survivors.map(async (i) => {
      const list = await tryMembers(cut, i);
      if (list !== undefined) fp.note(names[i]!, list, performance.now());
    }),
  );
  const detected = [...detectedAt.values()].map((t) => t - killedAtMs);
  return {
    victim: name,
    killedAtMs,
    firstMs: detected.length > 0 ? Math.min(...detected) : null,
    allMs: detected.length === survivors.length ? Math.max(...detected) : null,
    detectedBy: detected.length,
    survivors: survivors.length,
    undetected: survivors.filter((i) => !detectedAt.has(i)),
  };
}

export interface RunningJoinOptions {
  readonly nodes: number;
  /** From the spawn of all n to every one answering. */
  readonly upDeadlineMs: number;
  /** From the first join issued to every node listing every node alive. */
  readonly joinDeadlineMs: number;
  readonly joinPollMs: number;
  /** Quiet time after convergence, then one more look at every list for false positives. */
  readonly settleMs: number;
  /**
   * Quiet time between the last process answering and the first join: a Node process that
   * answers is not done starting (modules still loading, code still cold), and the joins
   * should not be timed against that.
   */
  readonly quietBeforeJoinMs: number;
}

export interface RunningJoinResult {
  readonly nodes: number;
  /** All n spawned at once, none joining → every node answered: process start-up alone. */
  readonly allUpMs: number | null;
  /** Just before the first join was issued → every node lists every node alive. */
  readonly joinMs: number | null;
  /** Median over nodes of the same clock → that node listing everyone alive. */
  readonly joinNodeMedianMs: number | null;
  readonly joinedNodes: number;
  /** First join issued → the last join call answered (each a push/pull with node 0). */
  readonly joinCallsMs: number | null;
  /**
   * CPU all n agents used in the `JOIN_CPU_WINDOW_MS` from just before the first join (member
   * list polls included, as both systems are polled alike); null if one was gone.
   */
  readonly joinCpuMs: number | null;
  /** First join issued → last join issued: how close together they went out. */
  readonly joinIssueSpreadMs: number | null;
  /** Joins that failed, as `name: error` (at most `DIAGNOSED_NODES_MAX`), and how many. */
  readonly joinFailures: readonly string[];
  readonly joinFailureCount: number;
  readonly falsePositives: readonly FalsePositive[];
  readonly diagnostics: readonly string[];
}

export async function runRunningJoinTrial(
  cut: ClusterUnderTest,
  o: RunningJoinOptions,
): Promise<RunningJoinResult> {
  const fp = new FalsePositiveLog();
  const n = o.nodes;
  const names = Array.from({ length: n }, (_, i) => cut.nameOf(i));
  const trialStartMs = performance.now();
  const result = (r: Partial<RunningJoinResult>): RunningJoinResult => ({
    nodes: n,
    allUpMs: null,
    joinMs: null,
    joinNodeMedianMs: null,
    joinedNodes: 0,
    joinCallsMs: null,
    joinCpuMs: null,
    joinIssueSpreadMs: null,
    joinFailures: [],
    joinFailureCount: 0,
    falsePositives: fp.found,
    diagnostics: [],
    ...r,
  });
  try {
    // Start-up, timed apart: every process answers, none has joined anyone.
    const spawnedAtMs = await cut.start(n, { join: false });
    const up = await pollNodes(
      cut,
      names,
      'answer',
      spawnedAtMs + o.upDeadlineMs,
      o.joinPollMs,
      fp,
    );
    const upTimes = up.upAt.filter((t): t is number => t !== undefined);
    if (upTimes.length < n) {
      const never = names.map((_, i) => i).filter((i) => up.upAt[i] === undefined);
      return result({
        diagnostics: [
          `start: ${never.length} node(s) never answered`,
          ...never.slice(0, DIAGNOSED_NODES_MAX).map((i) => cut.describe?.(i) ?? names[i]!),
        ],
      });
    }
    const allUpMs = Math.max(...upTimes) - spawnedAtMs;
    await cut.prepareJoins();
    await sleep(o.quietBeforeJoinMs);

    // The joins, back to back; the clock starts just before the first.
    const joinCpu = cpuSince(cut.pids());
    const t0 = performance.now();
    const joinCpuMs = sleep(JOIN_CPU_WINDOW_MS).then(joinCpu);
    const calls: Promise<{ index: number; atMs: number; error?: string }>[] = [];
    for (let i = 1; i < n; i++) {
      calls.push(
        cut.join(i).then(
          () => ({ index: i, atMs: performance.now() }),
          (err: unknown) => ({
            index: i,
            atMs: performance.now(),
            error: err instanceof Error ? err.message : String(err),
          }),
        ),
      );
    }
    const joinIssueSpreadMs = performance.now() - t0;
    const { joinedAt, lastMissing } = await pollNodes(
      cut,
      names,
      'all-alive',
      t0 + o.joinDeadlineMs,
      o.joinPollMs,
      fp,
    );
    // Each call is bounded by its client's deadline.
    const answered = await Promise.all(calls);
    const failed = answered.filter((c) => c.error !== undefined);
    const joined = joinedAt.filter((t): t is number => t !== undefined).map((t) => t - t0);
    const joinMs = joined.length === n ? Math.max(...joined) : null;
    const diagnostics: string[] = [];
    if (joinMs === null) {
      const slow = names.map((_, i) => i).filter((i) => joinedAt[i] === undefined);
      diagnostics.push(
        `join: ${slow.length} node(s) never listed all ${n} alive`,
        ...slow
          .slice(0, DIAGNOSED_NODES_MAX)
          .map(
            (i) =>
              `${names[i]} lacked ${lastMissing[i]!.length} (${lastMissing[i]!.slice(0, 4).join(', ')})` +
              (cut.describe === undefined ? '' : `\n${cut.describe(i)}`),
          ),
      );
    }

    // Settle, then one more look at everyone: a false positive right after the joins counts.
    await sleep(o.settleMs);
    await Promise.all(
      names.map(async (name, i) => {
        const list = await tryMembers(cut, i);
        if (list !== undefined) fp.note(name, list, performance.now());
      }),
    );
    for (const s of cut.suspicions?.() ?? []) {
      if (s.atMs < trialStartMs) continue;
      fp.found.push({ observer: s.observer, subject: s.subject, status: 'suspect', atMs: s.atMs });
    }
    return result({
      allUpMs,
      joinMs,
      joinNodeMedianMs: joined.length > 0 ? median(joined) : null,
      joinedNodes: joined.length,
      joinCallsMs: Math.max(...answered.map((c) => c.atMs)) - t0,
      joinCpuMs: await joinCpuMs,
      joinIssueSpreadMs,
      joinFailures: failed
        .slice(0, DIAGNOSED_NODES_MAX)
        .map((c) => `${names[c.index]}: ${c.error!.split('\n')[0]}`),
      joinFailureCount: failed.length,
      diagnostics,
    });
  } finally {
    await cut.stop();
  }
}
