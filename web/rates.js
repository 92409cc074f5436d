/**
 * Message rates from counters: the agent reports totals since start (`/v1/info`), the
 * page polls them about once a second, and a rate is Δcount / Δt between two samples.
 *
 * Δt is the page's own clock between the two answers, not the agent's, because the API
 * carries no timestamp; at one sample a second the jitter of a request on loopback is a
 * few percent of Δt. A counter that goes down means the agent restarted: that interval
 * has no rate (a gap), and counting starts again from the new value. A series keeps the
 * last `windowMs` of points and never more than `pointsMax`, whatever the poll rate.
 */

/** The charts' rolling window. */
export const RATE_WINDOW_MS_DEFAULT = 3 * 60 * 1000;
/** Points kept per series (a 1 s poll fills 180 of them in the default window). */
export const RATE_POINTS_MAX = 600;
/** Series kept (one per counter name: totals and message types). */
export const RATE_SERIES_MAX = 128;

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
  /** Last sample: its time and counters. */
  #last = null;
  /** Counter name → [{timeMs, perSecond}], oldest first. */
  #series = new Map();

  constructor({ windowMs = RATE_WINDOW_MS_DEFAULT, pointsMax = RATE_POINTS_MAX } = {}) {
    this.#windowMs = windowMs;
    this.#pointsMax = pointsMax;
  }

  /** Record counters read at `timeMs`; adds one rate point per counter seen both times. */
  sample(timeMs, counters) {
    const last = this.#last;
    this.#last = { timeMs, counters };
    if (last === null) return;
    const dtMs = timeMs - last.timeMs;
    if (!(dtMs > 0)) return;
    for (const [name, count] of Object.entries(counters)) {
      // The agent lists a message type once it has seen one, so a type new since the last
      // sample counted from zero; a total that was missing has no baseline.
      const before = last.counters[name] ?? (name.includes(':') ? 0 : undefined);
      if (before === undefined || count < before) continue;
      let series = this.#series.get(name);
      if (series === undefined) {
        if (this.#series.size >= RATE_SERIES_MAX) continue;
        series = [];
        this.#series.set(name, series);
      }
      series.push({ timeMs, perSecond: ((count - before) * 1000) / dtMs });
    }
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
    return point !== undefined && point.timeMs === this.#last?.timeMs ? point.perSecond : null;
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
