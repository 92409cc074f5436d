/**
 * The seam between the membership benchmarks and the system they measure.
 *
 * The same measurement code (measure.ts) runs against real Serf agents now and against
 * `hearsay agent` processes later, so it sees a cluster only through this interface: start
 * n nodes where node 0 is the seed and every other joins it, ask node i for its member list,
 * SIGKILL node i, read PIDs. Everything system-specific (ports, CLI flags, how the member
 * list is fetched, what a status is called) lives in the implementations.
 *
 * Two ways to join (measure.ts runs either):
 *  - spawn mode (`start(n)`): the joiners are spawned with the seed's address on their command
 *    line (`-join`, `--join`). `start` resolves with `performance.now()` taken just before the
 *    joiners were spawned (the seed is already up then), and returns without waiting for them,
 *    so the caller's convergence clock includes each joiner's process start — what an operator
 *    sees.
 *  - running mode (`start(n, {join: false})`, then `join(i)`): all n are spawned at once with
 *    no join, the caller waits until every one answers (process start-up, timed apart), opens
 *    the join connections (`prepareJoins`), then issues `join(i)` for i = 1..n−1 back to back
 *    through each system's own API for joining a running agent (Serf's RPC `join`, what `serf
 *    join` sends; hearsay's `POST /v1/join`), so the clock sees only the protocol. Each join
 *    goes over its own kept-open connection, apart from the one `members` polls on (Serf's RPC
 *    serves one request at a time per connection: a poll queued behind a join would be late).
 * `members(i)` rejects while node i does not answer yet; callers poll it.
 */

/** Member status in a system-neutral vocabulary. */
export type MemberStatus = 'alive' | 'suspect' | 'failed' | 'leaving' | 'left' | 'other';

export interface MemberView {
  readonly name: string;
  readonly status: MemberStatus;
}

/** One node's record that it suspected (or declared failed) another, from its own log. */
export interface Suspicion {
  readonly observer: string;
  readonly subject: string;
  /** `performance.now()` when the line was seen. */
  readonly atMs: number;
}

export interface StartOptions {
  /** False: spawn all n at once, none with a join (running mode). Default true. */
  readonly join?: boolean;
}

export interface ClusterUnderTest {
  /** E.g. "serf 0.8.2-dev (Debian serf 0.9.4), profile lan". */
  readonly system: string;
  /** Node count since `start`. */
  readonly size: number;
  /**
   * Start node 0 and wait until it answers, then spawn nodes 1..n−1, each joining node 0.
   * Resolves with `performance.now()` just before those spawns, without waiting for them.
   * With `{join: false}`: spawn all n at once, none joining; resolves with `performance.now()`
   * just before the first spawn, without waiting for them.
   */
  start(n: number, options?: StartOptions): Promise<number>;
  /** Running mode: open the connection each `join(i)` will use, so no join pays a connect. */
  prepareJoins(): Promise<void>;
  /**
   * Running mode: make node `index` (already running, answering) join node 0 through the
   * system's API; resolves with how many addresses it contacted, rejects if the join failed.
   */
  join(index: number): Promise<number>;
  nameOf(index: number): string;
  /** Node `index`'s member list; rejects if it does not answer. */
  members(index: number): Promise<MemberView[]>;
  /** SIGKILL node `index` (its PID only). */
  kill(index: number): void;
  /** PIDs by node index. */
  pids(): number[];
  /**
   * Suspicions the nodes logged since `start`, when the system logs them: the member list
   * alone cannot show a suspicion that was refuted before the next poll.
   */
  suspicions?(): Suspicion[];
  /** A line or a few about node `index` (running? exit? log tail) for a failed trial's report. */
  describe?(index: number): string;
  /** Close the measurement's own connections to the nodes, join connections included. */
  quiesce(): void;
  /** Stop every node; never throws. */
  stop(): Promise<void>;
}

/** Maps a status word of Serf (`serf members`) or hearsay (`GET /v1/members`) to ours. */
export function memberStatusOf(word: string): MemberStatus {
  switch (word) {
    case 'alive':
    case 'suspect':
    case 'failed':
    case 'leaving':
    case 'left':
      return word;
    case 'dead':
      return 'failed';
    default:
      return 'other';
  }
}
