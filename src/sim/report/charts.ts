/**
 * Vega-Lite specs for the report's charts, built by small pure functions from a run's
 * timeline. Nothing here renders: render-svg.ts turns a spec into SVG, so the specs can be
 * unit-tested (valid, right series) without a renderer and reused by the dashboard later.
 *
 * Data are inlined in the spec (`data.values`) in long form, one row per (t, series), which
 * is what Vega-Lite's `color` channel wants for one line per series. Every series is thinned
 * to at most CHART_POINTS_MAX points: an events-mode run samples once per period and can
 * have a million samples, far more than a 600-pixel chart can show.
 *
 * The x axis is the timeline's own unit: the round number in rounds mode, virtual
 * milliseconds in events mode.
 */

import type { TopLevelSpec } from 'vega-lite';
import type { SimMode, TimelinePoint } from '../types.ts';

/** Most points drawn per series; more cannot be told apart at chart width anyway. */
export const CHART_POINTS_MAX = 1000;
const WIDTH_PX = 560;
const HEIGHT_PX = 280;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One line on a multi-series chart: a protocol's run. */
export interface ChartSeries {
  readonly name: string;
  readonly nodes: number;
  readonly timeline: readonly TimelinePoint[];
}

/** Evenly spaced subset of at most `max` points, always keeping the first and the last. */
export function thin<T>(points: readonly T[], max = CHART_POINTS_MAX): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

export function xAxisTitle(mode: SimMode): string {
  return mode === 'rounds' ? 'round' : 'virtual time (ms)';
}

export const SIR_STATES = ['susceptible', 'infected', 'removed'] as const;

/** Susceptible / infected / removed node counts over time (Demers' SIR picture). */
export function sirChartSpec(
  timeline: readonly TimelinePoint[],
  opts: { mode: SimMode; title: string },
): TopLevelSpec {
  const values = thin(timeline).flatMap((p) =>
    SIR_STATES.map((state) => ({ t: p.t, state, nodes: p[state] })),
  );
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: WIDTH_PX,
    height: HEIGHT_PX,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: xAxisTitle(opts.mode) },
      y: { field: 'nodes', type: 'quantitative', title: 'nodes' },
      color: {
        field: 'state',
        type: 'nominal',
        title: 'state',
        scale: { domain: [...SIR_STATES], range: ['#4c78a8', '#e45756', '#54a24b'] },
      },
    },
  };
}

/** Informed fraction (infected + removed) / nodes over time, one line per protocol. */
export function coverageChartSpec(
  series: readonly ChartSeries[],
  opts: { mode: SimMode; title: string },
): TopLevelSpec {
  const values = series.flatMap((s) =>
    thin(s.timeline).map((p) => ({
      t: p.t,
      protocol: s.name,
      informed: (p.infected + p.removed) / s.nodes,
    })),
  );
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: WIDTH_PX,
    height: HEIGHT_PX,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: xAxisTitle(opts.mode) },
      y: {
        field: 'informed',
        type: 'quantitative',
        title: 'informed fraction',
        scale: { domain: [0, 1] },
        axis: { format: '%' },
      },
      color: {
        field: 'protocol',
        type: 'nominal',
        title: 'protocol',
        scale: { domain: series.map((s) => s.name) },
      },
    },
  };
}

/**
 * Messages sent per node per period, from the cumulative `messages` count of consecutive
 * samples. Dividing by the gap between samples keeps the rate honest after thinning;
 * dividing by nodes makes runs of different sizes comparable.
 */
export function messageRate(
  timeline: readonly TimelinePoint[],
  nodes: number,
  periodUnits: number,
): Array<{ t: number; rate: number }> {
  const points = thin(timeline);
  const out: Array<{ t: number; rate: number }> = [];
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!;
    const cur = points[i]!;
    const periods = (cur.t - prev.t) / periodUnits;
    if (periods <= 0) continue;
    out.push({ t: cur.t, rate: (cur.messages - prev.messages) / periods / nodes });
  }
  return out;
}

export function messagesChartSpec(
  series: readonly ChartSeries[],
  opts: { mode: SimMode; title: string; periodMs: number },
): TopLevelSpec {
  // A timeline's t advances by 1 per round in rounds mode and by periodMs ms in events mode.
  const periodUnits = opts.mode === 'rounds' ? 1 : opts.periodMs;
  const values = series.flatMap((s) =>
    messageRate(s.timeline, s.nodes, periodUnits).map((p) => ({ ...p, protocol: s.name })),
  );
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: WIDTH_PX,
    height: HEIGHT_PX,
    data: { values },
    mark: { type: 'line', interpolate: 'step-before' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: xAxisTitle(opts.mode) },
      y: { field: 'rate', type: 'quantitative', title: 'messages sent per node per period' },
      color: {
        field: 'protocol',
        type: 'nominal',
        title: 'protocol',
        scale: { domain: series.map((s) => s.name) },
      },
    },
  };
}
