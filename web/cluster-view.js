/**
 * The picture of the cluster: members on a circle in name order, starting at the top and
 * going clockwise, each a dot coloured by state, with this node ringed and spokes from it
 * to every member it currently counts as reachable (alive or suspect): what this node's
 * failure detector is probing. A member whose state changed in the last few seconds
 * pulses, so a change is seen even in a big circle.
 *
 * `circleLayout` is the pure part (tested in Node); `renderClusterView` draws.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** How long a member that changed state is highlighted. */
export const RECENT_CHANGE_MS = 5000;
/** Above this many members the names are left out (they would overlap). */
export const LABELS_MEMBERS_MAX = 24;

/** `count` points on a circle of radius `r` around (cx, cy), the first at the top. */
export function circleLayout(count, cx, cy, r) {
  const points = [];
  for (let i = 0; i < count; i += 1) {
    const angle = count === 1 ? 0 : (2 * Math.PI * i) / count;
    points.push({ x: cx + r * Math.sin(angle), y: cy - r * Math.cos(angle) });
  }
  return points;
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Draw `members` (sorted) into `svg` (viewBox 320×280); `selfName` is ringed, and
 * `changedMs(name)` says when a member last changed state (page clock, like `nowMs`).
 */
export function renderClusterView(svg, members, selfName, changedMs, nowMs) {
  const cx = 160;
  const cy = 135;
  const r = members.length > 12 ? 112 : 100;
  const dotR = members.length > 40 ? 4 : members.length > 12 ? 7 : 12;
  const points = circleLayout(members.length, cx, cy, r);
  const keep = [...svg.querySelectorAll('desc, title')];
  const spokes = [];
  const dots = [];
  const selfIndex = members.findIndex((m) => m.name === selfName);
  members.forEach((m, i) => {
    const p = points[i];
    if (selfIndex >= 0 && i !== selfIndex && (m.state === 'alive' || m.state === 'suspect')) {
      const s = points[selfIndex];
      spokes.push(el('line', { class: 'spoke', x1: s.x, y1: s.y, x2: p.x, y2: p.y }));
    }
    const since = changedMs(m.name);
    const recent = since !== undefined && nowMs - since < RECENT_CHANGE_MS;
    const g = el('g', {
      class: `node state-${m.state}${m.name === selfName ? ' self' : ''}${recent ? ' recent' : ''}`,
      'data-name': m.name,
      'data-state': m.state,
    });
    g.append(el('title', {}, `${m.name}: ${m.state}${m.name === selfName ? ' (this node)' : ''}`));
    if (recent) g.append(el('circle', { class: 'pulse', cx: p.x, cy: p.y, r: dotR + 6 }));
    if (m.name === selfName)
      g.append(el('circle', { class: 'ring', cx: p.x, cy: p.y, r: dotR + 4 }));
    g.append(el('circle', { class: 'dot', cx: p.x, cy: p.y, r: dotR }));
    if (members.length <= LABELS_MEMBERS_MAX) {
      // Labels sit outside the circle, on the side away from the centre.
      const dx = p.x - cx;
      const dy = p.y - cy;
      const len = Math.hypot(dx, dy) || 1;
      const lx = p.x + (dx / len) * (dotR + 10);
      const ly = p.y + (dy / len) * (dotR + 10) + 4;
      const anchor = Math.abs(dx) < 8 ? 'middle' : dx > 0 ? 'start' : 'end';
      g.append(el('text', { class: 'label', x: lx, y: ly, 'text-anchor': anchor }, m.name));
    }
    dots.push(g);
  });
  if (members.length === 0) {
    dots.push(
      el('text', { class: 'empty', x: cx, y: cy, 'text-anchor': 'middle' }, 'no members yet'),
    );
  }
  svg.replaceChildren(...keep, ...spokes, ...dots);
}
