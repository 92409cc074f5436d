/**
 * DOM rendering of the page's regions from the model: the member table, the event log,
 * the counters and the per-type rate table. Each function rebuilds its region from data
 * it is given and keeps no state of its own; app.js decides when. Text from the cluster
 * goes in through `textContent` only, never as markup.
 */

import { shortNumber } from './chart.js';
import { memberAddress, tagPairs } from './model.js';

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

export function stateBadge(state) {
  return h('span', { class: `state state-${state}`, 'data-testid': 'member-state' }, state);
}

/** One row per member: name (this node marked), address, state badge, tags. */
export function renderMembers(tbody, members, selfName) {
  if (members.length === 0) {
    tbody.replaceChildren(
      h('tr', { class: 'placeholder' }, h('td', { colspan: 4 }, 'No members.')),
    );
    return;
  }
  const rows = members.map((m) => {
    const nameCell = h('th', { scope: 'row' }, m.name);
    if (m.name === selfName) nameCell.append(' ', h('span', { class: 'self-mark' }, '(this node)'));
    const tags = h('td', { class: 'tags' });
    // Spaces between the tags keep them apart in copied text and for screen readers.
    for (const pair of tagPairs(m.tags)) tags.append(h('span', { class: 'tag' }, pair), ' ');
    return h(
      'tr',
      { 'data-testid': 'member-row', 'data-name': m.name, 'data-state': m.state },
      nameCell,
      h('td', { class: 'addr' }, memberAddress(m)),
      h('td', {}, stateBadge(m.state)),
      tags,
    );
  });
  tbody.replaceChildren(...rows);
}

function clockTime(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Newest first, as the log holds them. */
export function renderEventLog(ol, entries) {
  if (entries.length === 0) {
    ol.replaceChildren(h('li', { class: 'placeholder' }, 'No events yet.'));
    return;
  }
  const items = entries.map((e) => {
    return h(
      'li',
      { 'data-testid': 'event', 'data-type': e.type, 'data-title': e.title },
      h('time', { datetime: new Date(e.timeMs).toISOString() }, clockTime(e.timeMs)),
      h('span', { class: `kind kind-${e.type}` }, e.type),
      h('strong', {}, e.title),
      h('span', { class: 'detail' }, e.detail),
    );
  });
  ol.replaceChildren(...items);
}

/** Fill `[data-counter=KEY]` elements; a missing value shows as "–". */
export function renderCounters(root, values) {
  for (const dd of root.querySelectorAll('[data-counter]')) {
    const v = values[dd.dataset.counter];
    dd.textContent = v === undefined || v === null ? '–' : String(v);
  }
}

/** One item per message type: its name and the newest in/s and out/s (null: "–"). */
export function renderRatesByType(ul, rows) {
  const fmt = (v) => (v === null ? '–' : shortNumber(v));
  ul.replaceChildren(
    ...rows.map((r) =>
      h(
        'li',
        { 'data-type': r.type },
        h('code', {}, r.type),
        h('span', { class: 'rate-in' }, `in ${fmt(r.in)}`),
        h('span', { class: 'rate-out' }, `out ${fmt(r.out)}`),
      ),
    ),
  );
}
