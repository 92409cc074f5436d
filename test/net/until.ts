/**
 * Waiting on a condition with a deadline, for real-network tests: poll `condition` every few
 * milliseconds (the event loop keeps running, so sockets and timers progress) and fail with
 * `what` once `deadlineMs` passes. Never a fixed sleep: a passing test returns as soon as
 * the condition holds.
 */

const POLL_MS = 2;

export async function until(
  condition: () => boolean,
  deadlineMs: number,
  what: string,
): Promise<void> {
  const startMs = performance.now();
  while (!condition()) {
    if (performance.now() - startMs > deadlineMs) {
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
