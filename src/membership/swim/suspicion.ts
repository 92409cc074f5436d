/**
 * One Lifeguard suspicion of one member: who has accused it, how many independent
 * confirmations arrived, and when it expires (memberlist suspicion.go).
 *
 * The accuser that started it is excluded from confirmations; each other node counts once;
 * counting stops at `k`. Every accepted confirmation shortens the total timeout along
 * `suspicionTimeoutMs` (formulas.ts), always measured from the start. The object holds no
 * timer: the node keeps the deadline in its heap and asks `expiresAtMs` after a
 * confirmation. `token` lets a stale heap entry recognise that it no longer applies.
 */

import { type SuspicionBounds, suspicionInitialTimeoutMs, suspicionTimeoutMs } from './formulas.ts';

export class Suspicion {
  readonly bounds: SuspicionBounds;
  readonly startMs: number;
  /** Nodes whose accusations are already counted (the first accuser included). */
  readonly #accusers = new Set<string>();
  #confirmations = 0;
  /** Kept apart from the start, not derived from the deadline: the host's clock has fractions. */
  #timeoutMs: number;
  /** Bumped whenever the deadline moves, so an older heap entry can tell it is stale. */
  token = 0;

  constructor(from: string, bounds: SuspicionBounds, startMs: number) {
    this.bounds = bounds;
    this.startMs = startMs;
    this.#accusers.add(from);
    this.#timeoutMs = suspicionInitialTimeoutMs(bounds);
  }

  get confirmations(): number {
    return this.#confirmations;
  }

  get expiresAtMs(): number {
    return this.startMs + this.#timeoutMs;
  }

  /** Total timeout currently in force, ms from the start. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Counts an accusation from `from`. Returns true if it was a new, counted confirmation
   * (the caller then re-gossips the suspect message and re-arms the deadline).
   */
  confirm(from: string): boolean {
    if (this.#confirmations >= this.bounds.k) return false;
    if (this.#accusers.has(from)) return false;
    this.#accusers.add(from);
    this.#confirmations++;
    this.#timeoutMs = suspicionTimeoutMs(this.#confirmations, this.bounds);
    this.token++;
    return true;
  }
}
