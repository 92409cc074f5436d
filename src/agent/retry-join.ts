/**
 * `--retry-join`: keep trying to join seeds that may not be up yet (Serf's `-retry-join`).
 *
 * `--join` is for seeds that are running: if none answers, the agent stops (an operator's
 * typo should fail loudly). `--retry-join` is for the other case — agents started together
 * by an orchestrator, in any order — so a failed attempt is logged and tried again after
 * `intervalMs`, in the background, while the agent runs and serves its API. It stops at
 * the first success, when the agent stops, or after `max` attempts (0: never), when it
 * fails with an `AgentFailure` that makes the agent exit 1, as Serf does.
 *
 * Each attempt is bounded by `attemptTimeoutMs`, so a seed that accepts connections and
 * never answers cannot hold the loop.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { AgentFailure } from './agent.ts';
import { formatHostPort, type HostPort } from './config.ts';
import type { AgentLogger } from './log.ts';

export interface RetryJoinOptions {
  readonly seeds: readonly HostPort[];
  readonly intervalMs: number;
  /** Attempts before giving up; 0 retries until the agent stops. */
  readonly max: number;
  readonly attemptTimeoutMs: number;
  /** One join attempt; resolves with how many seeds answered, rejects when none did. */
  readonly join: (seeds: readonly HostPort[], signal: AbortSignal) => Promise<number>;
  readonly logger: AgentLogger;
  /** The agent is stopping: end quietly. */
  readonly stop: AbortSignal;
}

/**
 * Resolves with the number of seeds contacted, or 0 when stopped first; rejects with an
 * `AgentFailure` once `max` attempts have failed.
 */
export async function retryJoin(o: RetryJoinOptions): Promise<number> {
  const list = o.seeds.map(formatHostPort);
  for (let attempt = 1; !o.stop.aborted; attempt++) {
    try {
      const signal = AbortSignal.any([o.stop, AbortSignal.timeout(o.attemptTimeoutMs)]);
      const contacted = await o.join(o.seeds, signal);
      o.logger.info({ seeds: list, contacted, attempt }, 'retry-join: joined the cluster');
      return contacted;
    } catch (err) {
      if (o.stop.aborted) return 0;
      if (o.max > 0 && attempt >= o.max) {
        throw new AgentFailure(
          `agent: could not join the cluster at ${list.join(', ')} in ${attempt} attempts (--retry-max): ${causeText(err)}`,
          { cause: err },
        );
      }
      o.logger.warn(
        { seeds: list, attempt, retryInMs: o.intervalMs, err: causeText(err) },
        'retry-join: join failed, retrying',
      );
    }
    try {
      await sleep(o.intervalMs, undefined, { signal: o.stop });
    } catch {
      return 0;
    }
  }
  return 0;
}

function causeText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
