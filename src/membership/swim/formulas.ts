/**
 * memberlist's protocol arithmetic as pure functions (memberlist util.go, suspicion.go,
 * awareness.go), each with a table test in test/membership/swim/formulas.test.ts.
 *
 * Go computes these in `time.Duration` (integer nanoseconds); the functions here take and
 * return milliseconds and reproduce Go's rounding where it shows: the log factor of the
 * suspicion timeout is truncated to three decimals, and a confirmed suspicion's timeout is
 * floored to the millisecond. `n` is always memberlist's `estNumNodes`: the number of
 * entries in the member table, ourselves and not-yet-removed dead entries included.
 */

/**
 * Go's `math.Log10`: `Log(x) × (1/Ln10)`. `Math.log10` is exact where Go's product is not
 * always, so we use Go's form; the two agree on every power of ten.
 */
export function goLog10(x: number): number {
  return Math.log(x) * Math.LOG10E;
}

/**
 * Lifeguard's minimum suspicion timeout, ms:
 * `suspicionMult × max(1, log10(max(1, n))) × probeIntervalMs`, the log factor truncated
 * to 1/1000 as Go does (it multiplies by 1000 before converting to an integer Duration).
 */
export function suspicionTimeoutMinMs(
  suspicionMult: number,
  n: number,
  probeIntervalMs: number,
): number {
  const nodeScale = Math.max(1, goLog10(Math.max(1, n)));
  return (suspicionMult * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000;
}

/** Lifeguard's suspicion bounds and expected confirmations for a cluster of `n` entries. */
export interface SuspicionBounds {
  readonly minMs: number;
  readonly maxMs: number;
  /** Independent confirmations expected (`suspicionMult − 2`, or 0 when n − 2 is smaller). */
  readonly k: number;
}

export function suspicionBounds(
  suspicionMult: number,
  suspicionMaxTimeoutMult: number,
  n: number,
  probeIntervalMs: number,
): SuspicionBounds {
  let k = suspicionMult - 2;
  // Ourselves and the suspect cannot confirm: with fewer others, expect none.
  if (n - 2 < k) k = 0;
  const minMs = suspicionTimeoutMinMs(suspicionMult, n, probeIntervalMs);
  return { minMs, maxMs: suspicionMaxTimeoutMult * minMs, k: Math.max(0, k) };
}

/** The timeout a new suspicion starts with: `max`, or `min` when no confirmations are expected. */
export function suspicionInitialTimeoutMs(b: SuspicionBounds): number {
  return b.k < 1 ? b.minMs : b.maxMs;
}

/**
 * Total suspicion timeout after `confirmations` (c) of `k` expected, measured from the start
 * of the suspicion: `max − (ln(c + 1) / ln(k + 1)) × (max − min)`, floored to the ms and
 * never below `min`.
 */
export function suspicionTimeoutMs(confirmations: number, b: SuspicionBounds): number {
  if (b.k < 1) return b.minMs;
  const frac = Math.log(confirmations + 1) / Math.log(b.k + 1);
  const raw = b.maxMs - frac * (b.maxMs - b.minMs);
  const timeout = Math.floor(raw);
  return Math.max(timeout, b.minMs);
}

/** Times a queued broadcast is sent: `retransmitMult × ceil(log10(n + 1))`. */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(goLog10(n + 1));
}

/** Clusters up to this size push/pull at the base interval. */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/** The push/pull period for `n` entries: × (ceil(log2 n − log2 32) + 1) above 32. */
export function pushPullIntervalMs(baseMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return baseMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * baseMs;
}

/** Lifeguard awareness: the new score after `delta`, clamped to [0, maxMultiplier − 1]. */
export function awarenessScore(score: number, delta: number, maxMultiplier: number): number {
  const s = score + delta;
  return Math.max(0, Math.min(s, maxMultiplier - 1));
}

/** A duration scaled by the awareness score: `ms × (score + 1)`. */
export function awarenessScaleMs(ms: number, score: number): number {
  return ms * (score + 1);
}

/**
 * Awareness delta of a failed probe: one per expected nack that did not come, or 1 when no
 * helper could send nacks (memberlist state.go probeNode).
 */
export function failedProbeAwarenessDelta(nacksExpected: number, nacksReceived: number): number {
  if (nacksExpected === 0) return 1;
  return nacksReceived < nacksExpected ? nacksExpected - nacksReceived : 0;
}
