/**
 * The dashboard's entry point: three feeds from the agent into the model, and one render.
 *
 *   - `GET /v1/members` every `MEMBERS_POLL_MS`: the member list, wholesale;
 *   - `GET /v1/info` every `INFO_POLL_MS`: the node's name and counters, whose differences
 *     between polls are the charted rates;
 *   - `GET /v1/events` (SSE): member events update the table between polls, and every
 *     event goes to the log. When the stream fails for good (an agent without it answers
 *     404) the page retries every `EVENTS_RETRY_MS` and keeps working from the polls.
 *
 * A poll is re-armed only when the previous one has finished, so a slow agent is never
 * asked twice at once. Renders are coalesced into one per animation frame. Clocks: the
 * page's monotonic clock (`performance.now()`) for rates and change highlights, the wall
 * clock only to print event times.
 */

import { createApi, tokenFromSearch } from './api.js';
import { renderChart } from './chart.js';
import { renderClusterView } from './cluster-view.js';
import {
  countStates,
  EVENT_TYPES,
  EventLog,
  MemberView,
  memberAddress,
  parseEvent,
  parseInfo,
  parseMembers,
  tagPairs,
} from './model.js';
import { RATE_WINDOW_MS_DEFAULT, RateTracker, trafficCounters } from './rates.js';
import { renderCounters, renderEventLog, renderMembers, renderRatesByType } from './views.js';

export const MEMBERS_POLL_MS = 1500;
export const INFO_POLL_MS = 1000;
export const EVENTS_RETRY_MS = 5000;

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const api = createApi({ token: tokenFromSearch(location.search) });
const members = new MemberView();
const log = new EventLog();
const rates = new RateTracker({ windowMs: RATE_WINDOW_MS_DEFAULT });
const status = {
  members: 'pending',
  membersError: '',
  events: 'pending',
  info: 'pending',
  infoError: '',
};
let info = null;

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const now = performance.now();
  const list = members.list();
  const selfName = info?.name ?? null;
  renderMembers($('members-body'), list, selfName);
  renderClusterView($('cluster-picture'), list, selfName, (n) => members.changedMs(n), now);
  renderEventLog($('event-log'), log.entries());
  renderHeader(list);
  renderStats(list);
  renderRates(now);
}

function renderHeader(list) {
  if (info !== null) {
    $('node-name').textContent = info.name;
    const tags = tagPairs(info.tags).join(' ');
    $('node-meta').textContent = [memberAddress(info), info.version && `v${info.version}`, tags]
      .filter(Boolean)
      .join(' · ');
    document.title = `${info.name} · hearsay`;
  } else {
    $('node-name').textContent = location.host;
  }
  let text;
  let level;
  if (status.members === 'error') {
    [text, level] = [`agent unreachable: ${status.membersError}`, 'bad'];
  } else if (status.members === 'pending') {
    [text, level] = ['connecting…', 'wait'];
  } else if (status.events !== 'open') {
    [text, level] = ['live (polling; the event stream is unavailable)', 'wait'];
  } else {
    [text, level] = [`live · ${list.length} members`, 'ok'];
  }
  $('connection').textContent = text;
  $('connection-dot').className = `dot ${level}`;
}

function renderStats(list) {
  const counts = countStates(list);
  const s = info?.stats;
  renderCounters($('counters'), {
    ...counts,
    probes: s?.probes ? `${s.probes.ok} / ${s.probes.failed}` : null,
    suspicions: s?.suspicions,
    queue: s?.broadcastQueueDepth,
    userEvents: s?.userEvents ? `${s.userEvents.sent} / ${s.userEvents.received}` : null,
  });
}

function renderRates(now) {
  const series = (a, b) => [
    { label: 'in', cls: 'series-in', points: rates.series(a) },
    { label: 'out', cls: 'series-out', points: rates.series(b) },
  ];
  renderChart($('chart-messages'), series('in', 'out'), now, RATE_WINDOW_MS_DEFAULT);
  renderChart($('chart-bytes'), series('bytesIn', 'bytesOut'), now, RATE_WINDOW_MS_DEFAULT);
  const types = [...new Set([...rates.types('in:'), ...rates.types('out:')])].sort();
  renderRatesByType(
    $('rates-by-type'),
    types.map((type) => ({
      type,
      in: rates.latest(`in:${type}`),
      out: rates.latest(`out:${type}`),
    })),
  );
  const note = $('rates-note');
  note.hidden = status.info !== 'error';
  note.textContent = status.info === 'error' ? `No counters: ${status.infoError}` : '';
}

async function pollMembers() {
  const requestedMs = performance.now();
  try {
    const { members: list } = parseMembers(await api.members());
    members.replace(list, requestedMs, performance.now());
    status.members = 'ok';
  } catch (err) {
    status.members = 'error';
    status.membersError = err.message;
  }
  scheduleRender();
  setTimeout(pollMembers, MEMBERS_POLL_MS);
}

async function pollInfo() {
  try {
    const parsed = parseInfo(await api.info());
    if (parsed === null) throw new Error('GET /v1/info: unexpected answer');
    info = parsed;
    rates.sample(performance.now(), trafficCounters(parsed.stats));
    status.info = 'ok';
  } catch (err) {
    status.info = 'error';
    status.infoError = err.message;
  }
  scheduleRender();
  setTimeout(pollInfo, INFO_POLL_MS);
}

function onEvent(type, dataText) {
  const entry = parseEvent(type, dataText, Date.now());
  if (entry === null) return;
  log.add(entry);
  members.apply(entry, performance.now());
  scheduleRender();
}

function openEvents() {
  const source = new EventSource(api.eventsUrl());
  for (const type of EVENT_TYPES) source.addEventListener(type, (e) => onEvent(type, e.data));
  source.addEventListener('open', () => {
    status.events = 'open';
    scheduleRender();
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser reconnects by itself; CLOSED: it gave up (404, wrong type).
    status.events = 'error';
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      setTimeout(openEvents, EVENTS_RETRY_MS);
    }
    scheduleRender();
  });
}

function wireSendForm() {
  const form = $('send-event');
  const output = $('send-result');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    const name = form.elements.name.value.trim();
    const payload = form.elements.payload.value;
    if (name === '') return;
    button.disabled = true;
    output.className = '';
    output.textContent = 'sending…';
    try {
      const answer = await api.sendEvent(name, payload);
      output.textContent = `sent ${name}${answer?.ltime !== undefined ? ` (ltime ${answer.ltime})` : ''}`;
      output.className = 'ok';
    } catch (err) {
      output.textContent = err.message;
      output.className = 'bad';
    } finally {
      button.disabled = false;
    }
  });
}

wireSendForm();
openEvents();
void pollMembers();
void pollInfo();
