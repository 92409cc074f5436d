/**
 * The load phase's sender: user events at a fixed rate through one agent, for a fixed time.
 *
 * Pacing: every `tickMs` the generator works out how many events are due since the start
 * (rate × elapsed) and issues them at once, so a late tick catches up instead of lowering the
 * rate; when the window ends, the last due events are issued, so exactly
 * ⌊rate × duration⌋ are due in all. An event due while `sender.inFlightMax` requests are
 * still unanswered is not sent and counted as skipped: the agent (or its API) did not keep
 * up, and queueing without bound here would hide that and grow this process instead.
 *
 * After the window, answers still in flight get `answerDeadlineMs`; those still without one
 * are counted unanswered. Errors are counted, and a few distinct messages kept for the
 * report. Nothing here knows which system it drives (event-cluster.ts `LoadSender`).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadSender } from './event-cluster.ts';

/** Distinct error messages kept for the report. */
const ERROR_SAMPLES_MAX = 5;

export interface LoadOptions {
  readonly name: string;
  readonly ratePerSec: number;
  readonly durationMs: number;
  /** Pause between pacing ticks. */
  readonly tickMs: number;
  /** How long answers still in flight after the window are awaited. */
  readonly answerDeadlineMs: number;
}

export interface LoadResult {
  readonly ratePerSec: number;
  /** The send window as it ran, seconds. */
  readonly seconds: number;
  /** ⌊rate × duration⌋. */
  readonly due: number;
  readonly sent: number;
  /** Due while `inFlightMax` requests were unanswered: not sent. */
  readonly skipped: number;
  readonly acked: number;
  readonly errors: number;
  /** Sent, and neither acknowledged nor failed by the answer deadline. */
  readonly unanswered: number;
  readonly errorSamples: readonly string[];
}

export async function runLoad(sender: LoadSender, o: LoadOptions): Promise<LoadResult> {
  if (!(o.ratePerSec > 0) || !(o.durationMs > 0) || !(o.tickMs > 0)) {
    throw new Error('runLoad: rate, duration and tick must be > 0');
  }
  const total = Math.floor((o.ratePerSec * o.durationMs) / 1000);
  let issued = 0;
  let sent = 0;
  let skipped = 0;
  let acked = 0;
  let errors = 0;
  let inFlight = 0;
  const errorSamples = new Set<string>();
  const pending = new Set<Promise<void>>();

  const issueUpTo = (due: number): void => {
    for (; issued < due; issued++) {
      if (inFlight >= sender.inFlightMax) {
        skipped++;
        continue;
      }
      inFlight++;
      sent++;
      const p = sender.send(o.name, `l${sent}`).then(
        () => {
          acked++;
        },
        (err: unknown) => {
          errors++;
          if (errorSamples.size < ERROR_SAMPLES_MAX) {
            errorSamples.add(err instanceof Error ? err.message : String(err));
          }
        },
      );
      const tracked = p.finally(() => {
        inFlight--;
        pending.delete(tracked);
      });
      pending.add(tracked);
    }
  };

  const startMs = performance.now();
  for (;;) {
    const elapsedMs = performance.now() - startMs;
    if (elapsedMs >= o.durationMs) break;
    issueUpTo(Math.min(total, Math.floor((o.ratePerSec * elapsedMs) / 1000)));
    await sleep(o.tickMs);
  }
  issueUpTo(total);
  const seconds = (performance.now() - startMs) / 1000;

  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, o.answerDeadlineMs);
    }),
  ]);
  clearTimeout(timer);
  return {
    ratePerSec: o.ratePerSec,
    seconds,
    due: total,
    sent,
    skipped,
    acked,
    errors,
    unanswered: inFlight,
    errorSamples: [...errorSamples],
  };
}
