/**
 * A small line chart in SVG: time on x over a fixed rolling window ending now, rate on y
 * from zero to a rounded maximum, one polyline per series. Hand-written rather than a
 * charting library because the page must load with nothing outside the agent and no build
 * step, and two lines over three minutes need none of a library's machinery.
 *
 * `chartGeometry` is the pure part (scales, path data, ticks) and is tested in Node;
 * `renderChart` only turns its answer into SVG elements.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Plot area inside the SVG's viewBox, leaving room for the axis labels. */
export const CHART_BOX = { width: 400, height: 130, left: 40, right: 6, top: 6, bottom: 18 };

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `value` (and ≥ 1). */
export function niceCeil(value) {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** `1234` → `1.2k`, `2500000` → `2.5M`; one decimal below 10. */
export function shortNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(v) {
  return Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

/**
 * Path data and ticks for `series` (`[{points: [{timeMs, perSecond}]}]`) over the window
 * `[nowMs - windowMs, nowMs]`. Points older than the window are left out; a gap of more
 * than `gapMs` between points breaks the line instead of bridging it.
 */
export function chartGeometry(series, nowMs, windowMs, box = CHART_BOX, gapMs = 5000) {
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const startMs = nowMs - windowMs;
  let max = 0;
  for (const s of series) {
    for (const p of s.points) if (p.timeMs >= startMs && p.perSecond > max) max = p.perSecond;
  }
  const yMax = niceCeil(max);
  const x = (t) => box.left + ((t - startMs) / windowMs) * plotW;
  const y = (v) => box.top + plotH - (v / yMax) * plotH;
  const paths = series.map((s) => {
    let d = '';
    let prevMs = null;
    for (const p of s.points) {
      if (p.timeMs < startMs) continue;
      const move = prevMs === null || p.timeMs - prevMs > gapMs;
      d += `${move ? 'M' : 'L'}${x(p.timeMs).toFixed(1)},${y(p.perSecond).toFixed(1)}`;
      prevMs = p.timeMs;
    }
    return d;
  });
  const yTicks = [0, yMax / 2, yMax].map((v) => ({ y: y(v), label: shortNumber(v) }));
  const minutes = Math.round(windowMs / 60_000);
  const xTicks = [];
  for (let m = minutes; m >= 0; m -= 1) {
    xTicks.push({
      x: x(nowMs - m * 60_000),
      label: m === 0 ? 'now' : `−${m}m`,
      // The ends are anchored inwards so their labels stay inside the picture.
      anchor: m === minutes ? 'start' : m === 0 ? 'end' : 'middle',
    });
  }
  return { paths, yTicks, xTicks, yMax, plot: { x: box.left, y: box.top, w: plotW, h: plotH } };
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Draw `series` (`[{label, cls, points}]`) into `svg`, replacing what was there; `cls`
 * names the CSS class that colours the line and its legend entry.
 */
export function renderChart(svg, series, nowMs, windowMs) {
  const g = chartGeometry(series, nowMs, windowMs);
  const nodes = [];
  nodes.push(
    el('rect', { class: 'plot', x: g.plot.x, y: g.plot.y, width: g.plot.w, height: g.plot.h }),
  );
  for (const t of g.yTicks) {
    nodes.push(
      el('line', { class: 'grid', x1: g.plot.x, x2: g.plot.x + g.plot.w, y1: t.y, y2: t.y }),
    );
    nodes.push(
      el('text', { class: 'tick', x: g.plot.x - 4, y: t.y + 3, 'text-anchor': 'end' }, t.label),
    );
  }
  for (const t of g.xTicks) {
    nodes.push(
      el(
        'text',
        { class: 'tick', x: t.x, y: CHART_BOX.height - 5, 'text-anchor': t.anchor },
        t.label,
      ),
    );
  }
  series.forEach((s, i) => {
    nodes.push(el('path', { class: `line ${s.cls}`, d: g.paths[i] || 'M0,0' }));
    const lx = g.plot.x + 8 + i * 70;
    nodes.push(
      el('line', {
        class: `line ${s.cls}`,
        x1: lx,
        x2: lx + 14,
        y1: g.plot.y + 9,
        y2: g.plot.y + 9,
      }),
    );
    nodes.push(el('text', { class: 'legend-label', x: lx + 18, y: g.plot.y + 12 }, s.label));
  });
  svg.replaceChildren(...nodes);
}
