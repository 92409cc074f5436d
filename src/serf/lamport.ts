/**
 * Serf's Lamport clocks (serf-layer.md §4).
 *
 * A Serf node keeps three independent clocks — member (join/leave intents), event (user
 * events) and query — each an unsigned 64-bit counter. The rules are Serf's `LamportClock`:
 *
 *   - `time()` reads the current value; a sender stamps a message with it and then calls
 *     `increment()` (leave intents, user events, queries);
 *   - `witness(t)`: on receipt, if t ≥ current, current becomes t + 1; the clock never
 *     moves back. Every received intent, event or query is witnessed before anything else
 *     is decided;
 *   - a join intent is stamped with `time()` and that time is witnessed, which moves the
 *     clock past it: a later leave then carries a strictly greater time (the interop lesson
 *     of §4 — equal times make the leave look stale and the node end up failed).
 *
 * Values are `bigint` because peers send any uint64 and a Lamport time must not lose
 * precision; the wire codec uses `bigint` for the same reason. A peer that sends 2^64 − 1
 * would wrap Go's counter; we saturate instead (the clock stays at the maximum), which can
 * only make our messages look stale, never make an old message look new.
 */

/** Largest uint64, the wire's range for a Lamport time. */
export const LAMPORT_TIME_MAX = (1n << 64n) - 1n;

export class LamportClock {
  #now: bigint;

  /** Serf increments each clock once at creation, so clocks start at 1. */
  constructor(start = 1n) {
    this.#now = start;
  }

  time(): bigint {
    return this.#now;
  }

  /** Advances the clock by one and returns the new value. */
  increment(): bigint {
    if (this.#now < LAMPORT_TIME_MAX) this.#now++;
    return this.#now;
  }

  /** Another node's time `t` was seen: never be behind it. */
  witness(t: bigint): void {
    if (t < this.#now) return;
    this.#now = t < LAMPORT_TIME_MAX ? t + 1n : LAMPORT_TIME_MAX;
  }
}
