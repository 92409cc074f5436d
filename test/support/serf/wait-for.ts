/**
 * Poll a condition until it holds or a deadline passes.
 *
 * Real processes give no event for "the cluster has converged", so tests and benchmarks
 * ask repeatedly; polling with a deadline (never a fixed sleep) makes a fast machine fast and
 * a slow one still correct, and a timeout names what was awaited and the last thing seen, so
 * a failure reads as a sentence rather than "test timed out".
 *
 * The condition may be async and may throw: a throw counts as "not yet" (an agent whose RPC
 * port is not open yet refuses the connection) and its message is kept for the timeout
 * error. A condition that returns a value other than `false`, `undefined` or `null` ends the
 * wait with that value. Polls never overlap: the next starts `intervalMs` after the previous
 * one finished. An `AbortSignal` ends the wait early with the signal's reason (a waiter that
 * lost a race to "the process exited" should not keep polling until its deadline).
 */

import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up this many ms after the call. */
  readonly deadlineMs: number;
  /** What is awaited, for the timeout message: "3 agents to list each other alive". */
  readonly what: string;
  /** Pause between polls. */
  readonly intervalMs?: number;
  /** Describes the last observed state for the timeout message. */
  readonly describe?: () => string;
  /** Stops the polling; the wait rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

const INTERVAL_MS_DEFAULT = 100;

export async function waitFor<T>(
  cond: () => T | false | undefined | null | Promise<T | false | undefined | null>,
  options: WaitForOptions,
): Promise<T> {
  const startMs = performance.now();
  const intervalMs = options.intervalMs ?? INTERVAL_MS_DEFAULT;
  let lastError: unknown;
  let polls = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    polls++;
    try {
      const v = await cond();
      if (v !== false && v !== undefined && v !== null) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const elapsedMs = performance.now() - startMs;
    if (elapsedMs >= options.deadlineMs) {
      const parts = [
        `timed out after ${Math.round(elapsedMs)} ms (deadline ${options.deadlineMs} ms, ${polls} polls) waiting for ${options.what}`,
      ];
      if (lastError !== undefined) {
        parts.push(
          `last poll threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
        );
      }
      if (options.describe !== undefined) parts.push(`last state: ${options.describe()}`);
      throw new WaitTimeoutError(parts.join('\n'));
    }
    await sleep(Math.min(intervalMs, Math.max(0, options.deadlineMs - elapsedMs)), undefined, {
      signal: options.signal,
    }).catch(() => {});
  }
}
