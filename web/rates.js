/**
 * Message rates from counters: the agent reports totals since start (`/v1/info`), the
 * page polls them about once a second, and a rate is Δcount / Δt between a sample and the
 * oldest one within the last `smoothingMs` (5 s by default). At one poll a second single
 * intervals hold a handful of messages each, so their rates jump between 0 and 3 with the
 * probe schedule; over five seconds the line shows the traffic rather than the sampling.
 *
 * Δt is the page's own clock between the two answers, not the agent's, because the API
 * carries no timestamp; on loopback a request's jitter is a few percent of Δt. A counter
 * that goes down means the agent restarted: the history is dropped, that sample has no
 * rate (a gap), and counting starts again from it. A series keeps the last `windowMs` of
 * points and never more than `pointsMax`, whatever the poll rate.
 */

/** The charts' rolling window. */
export const RATE_WINDOW_MS_DEFAULT = 3 * 60 * 1000;
/** Points kept per series (a 1 s poll fills 180 of them in the default window). */
export const RATE_POINTS_MAX = 600;
/** Series kept (one per counter name: totals and message types). */
export const RATE_SERIES_MAX = 128;
/** The span a rate is measured over. */
export const RATE_SMOOTHING_MS_DEFAULT = 5000;
/** Raw samples kept for that span (a fast poll cannot grow it). */
export const RATE_HISTORY_MAX = 64;

/** The sum of a record of counts. */
export function total(record) {
  let sum = 0;
  for (const v of Object.values(record)) sum += v;
  return sum;
}

/**
 * The flat counters the dashboard charts, from a parsed `/v1/info` stats object: totals
 * `in`, `out`, `bytesIn`, `bytesOut`, and per type `in:TYPE`, `out:TYPE`.
 */
export function trafficCounters(stats) {
  const counters = {
    in: total(stats.messagesIn),
    out: total(stats.messagesOut),
    bytesIn: total(stats.bytesIn),
    bytesOut: total(stats.bytesOut),
  };
  for (const [type, n] of Object.entries(stats.messagesIn)) counters[`in:${type}`] = n;
  for (const [type, n] of Object.entries(stats.messagesOut)) counters[`out:${type}`] = n;
  return counters;
}

export class RateTracker {
  #windowMs;
  #pointsMax;
  #smoothingMs;
  /** Raw samples `{timeMs, counters}` of the last `smoothingMs`, oldest first. */
  #history = [];
  /** Time of the newest sample. */
  #lastMs = null;
  /** Counter name → [{timeMs, perSecond}], oldest first. */
  #series = new Map();

  constructor({
    windowMs = RATE_WINDOW_MS_DEFAULT,
    pointsMax = RATE_POINTS_MAX,
    smoothingMs = RATE_SMOOTHING_MS_DEFAULT,
  } = {}) {
    this.#windowMs = windowMs;
    this.#pointsMax = pointsMax;
    this.#smoothingMs = smoothingMs;
  }

  /** Record counters read at `timeMs`; adds one rate point per counter with a baseline. */
  sample(timeMs, counters) {
    const previous = this.#history[this.#history.length - 1];
    if (previous !== undefined && !(timeMs > previous.timeMs)) return;
    this.#lastMs = timeMs;
    const restarted =
      previous !== undefined &&
      Object.entries(previous.counters).some(([name, n]) => (counters[name] ?? n) < n);
    if (restarted) this.#history.length = 0;
    // The baseline: the oldest sample within the span, and at least the previous one.
    while (
      this.#history.length > 1 &&
      (this.#history[0].timeMs < timeMs - this.#smoothingMs ||
        this.#history.length >= RATE_HISTORY_MAX)
    ) {
      this.#history.shift();
    }
    const base = this.#history[0];
    this.#history.push({ timeMs, counters });
    if (base !== undefined) this.#addPoints(base, timeMs, counters);
    this.#prune(timeMs);
  }

  #addPoints(base, timeMs, counters) {
    const dtMs = timeMs - base.timeMs;
    for (const [name, count] of Object.entries(counters)) {
      // The agent lists a message type once it has seen one, so a type missing from the
      // baseline counted from zero; a total that was missing has no baseline.
      const before = base.counters[name] ?? (name.includes(':') ? 0 : undefined);
      if (before === undefined) continue;
      let series = this.#series.get(name);
      if (series === undefined) {
        if (this.#series.size >= RATE_SERIES_MAX) continue;
        series = [];
        this.#series.set(name, series);
      }
      series.push({ timeMs, perSecond: ((count - before) * 1000) / dtMs });
    }
  }

  #prune(timeMs) {
    const oldestMs = timeMs - this.#windowMs;
    for (const [name, series] of this.#series) {
      let drop = 0;
      while (drop < series.length && series[drop].timeMs < oldestMs) drop += 1;
      drop = Math.max(drop, series.length - this.#pointsMax);
      if (drop > 0) series.splice(0, drop);
      if (series.length === 0) this.#series.delete(name);
    }
  }

  /** Points of one counter, oldest first (empty when unknown). */
  series(name) {
    return this.#series.get(name) ?? [];
  }

  /** The newest rate of `name` if it was measured at the last sample, else null. */
  latest(name) {
    const series = this.#series.get(name);
    const point = series?.[series.length - 1];
    return point !== undefined && point.timeMs === this.#lastMs ? point.perSecond : null;
  }

  /** Names of the per-type series with `prefix` (`in:` or `out:`), types only, sorted. */
  types(prefix) {
    const out = [];
    for (const name of this.#series.keys()) {
      if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
    }
    return out.sort();
  }
}
