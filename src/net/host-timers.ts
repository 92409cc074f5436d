/**
 * A real host's protocol timers: one Node timer per kind, as the protocol contract allows
 * (setting a kind again replaces its pending timer). Both real hosts (udp-host.ts and
 * memberlist/host.ts) keep theirs here.
 *
 * A delay beyond what `setTimeout` can wait is cut to that ceiling; the timer then fires early
 * and the protocol, which re-arms from its own clock, sees nothing wrong. `fire` receives the
 * time the timer was due (on the host's clock), so the host can run the protocol at that time.
 */

/** Node's `setTimeout` cannot wait longer than this (2^31 − 1 ms, about 24.8 days). */
export const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export class HostTimers<T> {
  readonly #timers = new Map<T, ReturnType<typeof setTimeout>>();
  readonly #fire: (kind: T, dueMs: number) => void;

  constructor(fire: (kind: T, dueMs: number) => void) {
    this.#fire = fire;
  }

  /** Arms `kind` to fire `delayMs` after `nowMs`, replacing its pending timer. */
  set(kind: T, delayMs: number, nowMs: number): void {
    this.cancel(kind);
    const waitMs = Math.min(delayMs, TIMER_DELAY_MS_MAX);
    const dueMs = nowMs + waitMs;
    this.#timers.set(
      kind,
      setTimeout(() => {
        this.#timers.delete(kind);
        this.#fire(kind, dueMs);
      }, waitMs),
    );
  }

  cancel(kind: T): void {
    const old = this.#timers.get(kind);
    if (old === undefined) return;
    clearTimeout(old);
    this.#timers.delete(kind);
  }

  /** Cancels every pending timer (the host is closing). */
  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
