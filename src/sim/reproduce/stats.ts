/**
 * Summary statistics for multi-seed experiments. A reproduction reports the mean, the
 * standard deviation across seeds and the standard error of the mean, because the
 * tolerance a test allows must come from the observed spread, not from taste.
 */

export interface Summary {
  readonly mean: number;
  /** Sample standard deviation across seeds. */
  readonly sd: number;
  /** Standard error of the mean: sd / sqrt(runs). */
  readonly se: number;
  readonly runs: number;
}

export function summarize(xs: readonly number[]): Summary {
  const runs = xs.length;
  if (runs === 0) return { mean: Number.NaN, sd: Number.NaN, se: Number.NaN, runs };
  const mean = xs.reduce((a, b) => a + b, 0) / runs;
  const variance = runs > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (runs - 1) : 0;
  const sd = Math.sqrt(variance);
  return { mean, sd, se: sd / Math.sqrt(runs), runs };
}

/** "12.34 ± 0.56" with the given decimals (± one standard deviation). */
export function formatSummary(s: Summary, decimals: number): string {
  return `${s.mean.toFixed(decimals)} ± ${s.sd.toFixed(decimals)}`;
}
