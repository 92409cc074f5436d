/**
 * Lifeguard's local health ("awareness", memberlist awareness.go): a score in
 * [0, max − 1] that grows when our own probes fail without helpers' nacks to blame the
 * target, or when we must refute an accusation, and shrinks with every successful probe.
 * It multiplies the probe interval (and so the probe deadline) by (score + 1): a node that
 * is itself slow or lossy probes less often and gives peers longer before suspecting them.
 */

import { awarenessScaleMs, awarenessScore } from './formulas.ts';

export class Awareness {
  readonly maxMultiplier: number;
  #score = 0;

  constructor(maxMultiplier: number) {
    this.maxMultiplier = maxMultiplier;
  }

  get score(): number {
    return this.#score;
  }

  /** Applies `delta` and returns the change actually made (0 when clamped). */
  apply(delta: number): number {
    const before = this.#score;
    this.#score = awarenessScore(before, delta, this.maxMultiplier);
    return this.#score - before;
  }

  scaleMs(ms: number): number {
    return awarenessScaleMs(ms, this.#score);
  }
}
