/**
 * Joins as a member's API runs them, for `Membership` (member.ts) and the agent's
 * `MemberlistCluster` alike: one at a time, since the protocol's `join-succeeded` /
 * `join-failed` events do not say which join they answer; each bounded by a watchdog derived
 * from the profile's join retries, so a protocol that never answers cannot hang the caller;
 * a failure turned into a `JoinError` that says per seed what the wire saw (the host's stream
 * failures: refused, no answer, undecryptable…) or, failing that, what the protocol said.
 *
 * The owner forwards the protocol's join events to `settle`, the host's stream failures to
 * `streamFailed`, and calls `close` when it shuts down.
 */

import type { MemberAddress } from '../../membership/types.ts';
import { TIMER_DELAY_MS_MAX } from '../host-timers.ts';
import type { StreamFailure } from './host.ts';
import { JoinError, type SeedFailure } from './join-error.ts';

/** Slack on top of the protocol's own bounds before a watchdog gives up on it. */
export const WATCHDOG_SLACK_MS = 1_000;

/** A seed address to exchange state with. */
export interface JoinTarget {
  /** The seed as the user wrote it. */
  readonly seed: string;
  readonly address: MemberAddress;
  /** "ip:port", as the host names the stream's far end. */
  readonly endpoint: string;
}

/** The protocol's answer to a join (its `join-succeeded` / `join-failed` events). */
export type JoinResult =
  | { readonly type: 'join-succeeded'; readonly contacted: number }
  | { readonly type: 'join-failed'; readonly reason: string };

/** The SWIM fields that bound one join. */
export interface JoinTiming {
  readonly joinRetries: number;
  readonly joinBackoffMs: number;
  readonly tcpTimeoutMs: number;
}

export interface JoinWait {
  /** Hands the targets' addresses to the protocol; what it throws rejects the join. */
  readonly start: (addresses: MemberAddress[]) => void;
  readonly timing: JoinTiming;
  /** Seeds that failed before any exchange (a name that did not resolve). */
  readonly earlier?: readonly SeedFailure[];
  /** Seeds the caller was given, for the error's summary line. */
  readonly seedsGiven: number;
  /** The error for a join the owner's shutdown cut short. */
  readonly closedError: () => Error;
}

type Outcome = JoinResult | { readonly type: 'closed' | 'watchdog' };

/** Longest one join may take: every attempt's exchange timeout, and the backoff between. */
export function joinWatchdogMs(t: JoinTiming): number {
  return Math.min(
    TIMER_DELAY_MS_MAX,
    (t.joinRetries + 1) * (t.tcpTimeoutMs + WATCHDOG_SLACK_MS) +
      t.joinBackoffMs * 2 ** Math.min(t.joinRetries, 20),
  );
}

export class JoinRunner {
  #chain: Promise<unknown> = Promise.resolve();
  #waiter: ((o: Outcome) => void) | undefined;
  #failures: Map<string, StreamFailure> | undefined;

  /** Runs `join` once every join queued before it has settled. */
  serialize<T>(join: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(join);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts one join of `targets` and waits for the protocol's answer. Resolves with the
   * number of seeds that completed an exchange; rejects with a `JoinError` when none did
   * or the watchdog fired, with the owner's closed error when it shut down meanwhile.
   */
  async run(targets: readonly JoinTarget[], wait: JoinWait): Promise<number> {
    const watchdogMs = joinWatchdogMs(wait.timing);
    this.#failures = new Map();
    let outcome: Outcome;
    try {
      outcome = await new Promise<Outcome>((resolve, reject) => {
        const watchdog = setTimeout(() => resolve({ type: 'watchdog' }), watchdogMs);
        this.#waiter = (o) => {
          clearTimeout(watchdog);
          resolve(o);
        };
        try {
          wait.start(targets.map((t) => t.address));
        } catch (err) {
          clearTimeout(watchdog);
          reject(err);
        }
      });
    } finally {
      this.#waiter = undefined;
    }
    const wire = this.#failures;
    this.#failures = undefined;
    switch (outcome.type) {
      case 'join-succeeded':
        return outcome.contacted;
      case 'closed':
        throw wait.closedError();
      case 'watchdog':
      case 'join-failed': {
        const why =
          outcome.type === 'join-failed'
            ? outcome.reason
            : `no join result from the membership protocol within ${watchdogMs} ms`;
        const failures: SeedFailure[] = [...(wait.earlier ?? [])];
        for (const t of targets) {
          const f = wire.get(t.endpoint);
          failures.push(
            f === undefined
              ? { seed: t.seed, endpoint: t.endpoint, reason: 'protocol', detail: why }
              : { seed: t.seed, endpoint: t.endpoint, reason: f.reason, detail: f.detail },
          );
        }
        throw new JoinError(failures, wait.seedsGiven);
      }
    }
  }

  /** The protocol's answer to the join waiting (nothing when none waits). */
  settle(result: JoinResult): void {
    this.#waiter?.(result);
  }

  /** From the host: why a push/pull failed, remembered for the waiting join's error. */
  streamFailed(f: StreamFailure): void {
    if (f.sent === 'pushPull') this.#failures?.set(f.endpoint, f);
  }

  /** The owner shut down: the join waiting gives up with the closed error. */
  close(): void {
    this.#waiter?.({ type: 'closed' });
  }
}
