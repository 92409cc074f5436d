/**
 * What the dashboard knows, kept apart from the DOM so it can be tested in Node.
 *
 * Everything the agent sends is read through the parse functions here, which check the
 * shape and return `null` (or skip the item) for anything else: a page that trusted the
 * API's shape would throw on the first field an older or newer agent spells differently
 * and stop updating without a word. Text from the cluster (names, tags, payloads) is
 * only ever put into the page as text, never as markup.
 *
 * The member list has two sources: `GET /v1/members`, polled every second or two, is the
 * truth and replaces the list wholesale; member events from the SSE stream update one
 * member in between, so a failure shows at once, and a missed event is corrected by the
 * next poll. The event log is a ring of the newest `EVENT_LOG_ENTRIES_MAX` entries.
 */

export const MEMBER_STATES = ['alive', 'suspect', 'leaving', 'left', 'failed'];
export const MEMBER_EVENT_TYPES = [
  'member-join',
  'member-leave',
  'member-failed',
  'member-update',
  'member-reap',
];
/** Every SSE event name the agent sends (`event:` lines). */
export const EVENT_TYPES = ['user', ...MEMBER_EVENT_TYPES, 'query'];

/** Entries kept in the log (newest first); older ones drop off. */
export const EVENT_LOG_ENTRIES_MAX = 200;
/** Members accepted from one `/v1/members` answer (the table and picture stay usable). */
export const MEMBERS_MAX = 10_000;
/** Characters of a payload shown in the log. */
export const PAYLOAD_CHARS_MAX = 200;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** One member as the API serves it, or null when `raw` is not one. */
export function parseMember(raw) {
  if (!isObject(raw)) return null;
  const { name, addr, port, tags, state } = raw;
  if (typeof name !== 'string' || name === '') return null;
  if (typeof addr !== 'string' || !Number.isInteger(port)) return null;
  if (!MEMBER_STATES.includes(state)) return null;
  const cleanTags = {};
  if (isObject(tags)) {
    for (const [k, v] of Object.entries(tags)) if (typeof v === 'string') cleanTags[k] = v;
  }
  return { name, addr, port, tags: cleanTags, state };
}

/** `GET /v1/members` → members sorted by name; `rejected` counts items that were not members. */
export function parseMembers(raw) {
  if (!Array.isArray(raw)) return { members: [], rejected: 1 };
  const members = [];
  let rejected = 0;
  for (const item of raw.slice(0, MEMBERS_MAX)) {
    const m = parseMember(item);
    if (m === null) rejected += 1;
    else members.push(m);
  }
  members.sort(byName);
  return { members, rejected: rejected + Math.max(0, raw.length - MEMBERS_MAX) };
}

export function byName(a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `ip:port`, brackets around IPv6. */
export function memberAddress(m) {
  return m.addr.includes(':') ? `[${m.addr}]:${m.port}` : `${m.addr}:${m.port}`;
}

/** `key=value` pairs sorted by key, for the table. */
export function tagPairs(tags) {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`);
}

/** Count members by state (every state present, zero or more). */
export function countStates(members) {
  const counts = Object.fromEntries(MEMBER_STATES.map((s) => [s, 0]));
  for (const m of members) counts[m.state] += 1;
  return counts;
}

function countRecord(raw) {
  const out = {};
  if (!isObject(raw)) return out;
  for (const [k, v] of Object.entries(raw)) if (isCount(v)) out[k] = v;
  return out;
}

function countPair(raw, a, b) {
  if (!isObject(raw)) return null;
  return isCount(raw[a]) && isCount(raw[b]) ? { [a]: raw[a], [b]: raw[b] } : null;
}

/**
 * `GET /v1/info` → `{name, addr, port, tags, version, stats}` with every counter checked;
 * a counter that is missing or not a count is absent (null) rather than zero, so the page
 * shows "–" instead of a wrong number. Null when `raw` is not an info object at all.
 */
export function parseInfo(raw) {
  if (!isObject(raw) || typeof raw.name !== 'string') return null;
  const s = isObject(raw.stats) ? raw.stats : {};
  return {
    name: raw.name,
    addr: typeof raw.addr === 'string' ? raw.addr : '',
    port: Number.isInteger(raw.port) ? raw.port : 0,
    tags: parseMember({ name: 'x', addr: '', port: 0, state: 'alive', tags: raw.tags }).tags,
    version: typeof raw.version === 'string' ? raw.version : '',
    stats: {
      messagesIn: countRecord(s.messagesIn),
      messagesOut: countRecord(s.messagesOut),
      bytesIn: countRecord(s.bytesIn),
      bytesOut: countRecord(s.bytesOut),
      probes: countPair(s.probes, 'ok', 'failed'),
      suspicions: isCount(s.suspicions) ? s.suspicions : null,
      broadcastQueueDepth: isCount(s.broadcastQueueDepth) ? s.broadcastQueueDepth : null,
      userEvents: countPair(s.userEvents, 'sent', 'received'),
      dropped: countRecord(s.dropped),
    },
  };
}

/** Milliseconds since the epoch from an event's `time` (ISO text or a number), else `fallbackMs`. */
export function eventTimeMs(time, fallbackMs) {
  if (typeof time === 'number' && Number.isFinite(time)) return time;
  if (typeof time === 'string') {
    const ms = Date.parse(time);
    if (Number.isFinite(ms)) return ms;
  }
  return fallbackMs;
}

/**
 * A payload for people: UTF-8 text when it is printable, else its size and base64. Serf
 * payloads are bytes, and the API sends them as `payload` (text) or `payloadBase64`.
 */
export function payloadText(data) {
  if (typeof data.payload === 'string') return clip(data.payload);
  if (typeof data.payloadBase64 !== 'string') return '';
  let bytes;
  try {
    bytes = Uint8Array.from(atob(data.payloadBase64), (c) => c.charCodeAt(0));
  } catch {
    return '(payload: invalid base64)';
  }
  if (bytes.length === 0) return '';
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return clip(text);
  } catch {
    // Not UTF-8: shown as bytes below.
  }
  return `(${bytes.length} bytes) ${clip(data.payloadBase64)}`;
}

function clip(text) {
  return text.length > PAYLOAD_CHARS_MAX ? `${text.slice(0, PAYLOAD_CHARS_MAX)}…` : text;
}

let nextEntryId = 1;

/**
 * One SSE message (`event:` name and `data:` text) → a log entry
 * `{id, type, timeMs, title, detail, member}`, or null when it is not valid JSON or not a
 * known type. `member` is the parsed member for member events (null otherwise).
 */
export function parseEvent(type, dataText, nowMs) {
  if (!EVENT_TYPES.includes(type)) return null;
  let data;
  try {
    data = JSON.parse(dataText);
  } catch {
    return null;
  }
  if (!isObject(data)) return null;
  const timeMs = eventTimeMs(data.time, nowMs);
  const ltime =
    typeof data.ltime === 'number' || typeof data.ltime === 'string' ? String(data.ltime) : '';
  if (MEMBER_EVENT_TYPES.includes(type)) {
    const member = parseMember(data.member);
    if (member === null) return null;
    const detail = `${memberAddress(member)} ${member.state}`;
    return { id: nextEntryId++, type, timeMs, title: member.name, detail, member };
  }
  const name = typeof data.name === 'string' ? data.name : '';
  const payload = payloadText(data);
  const from = typeof data.from === 'string' ? `from ${data.from}` : '';
  const detail = [payload, from, ltime === '' ? '' : `ltime ${ltime}`].filter(Boolean).join(' · ');
  return { id: nextEntryId++, type, timeMs, title: name, detail, member: null };
}

/** The newest `max` entries, newest first. */
export class EventLog {
  #entries = [];
  #max;

  constructor(max = EVENT_LOG_ENTRIES_MAX) {
    this.#max = max;
  }

  add(entry) {
    this.#entries.unshift(entry);
    if (this.#entries.length > this.#max) this.#entries.length = this.#max;
  }

  /** Newest first. */
  entries() {
    return this.#entries;
  }
}

/**
 * The members as this page shows them: the last `/v1/members` answer with member events
 * applied on top, and when each member last changed state (for the picture's highlight).
 */
export class MemberView {
  #byName = new Map();
  #changedMs = new Map();
  /** When an event last set each member: a poll asked before then is older news. */
  #eventMs = new Map();

  /**
   * Replace everything with a `/v1/members` answer to a request sent at `requestedMs`.
   * A member an event updated after that keeps the event's version: the answer was
   * composed before the event, and showing it would flip a fresh `failed` back to `alive`
   * until the next poll.
   */
  replace(members, requestedMs, nowMs) {
    const next = new Map();
    for (const fresh of members) {
      const before = this.#byName.get(fresh.name);
      const eventMs = this.#eventMs.get(fresh.name);
      const m =
        before !== undefined && eventMs !== undefined && eventMs > requestedMs ? before : fresh;
      if (before !== undefined && before.state !== m.state) this.#changedMs.set(m.name, nowMs);
      next.set(m.name, m);
    }
    // Members an event added since the request are kept too, for the same reason.
    for (const [name, eventMs] of this.#eventMs) {
      const current = this.#byName.get(name);
      if (eventMs > requestedMs && current !== undefined && !next.has(name))
        next.set(name, current);
    }
    for (const map of [this.#changedMs, this.#eventMs]) {
      for (const name of map.keys()) if (!next.has(name)) map.delete(name);
    }
    this.#byName = next;
  }

  /** Apply a member event (an entry from `parseEvent`); returns whether anything changed. */
  apply(entry, nowMs) {
    const m = entry.member;
    if (m === null) return false;
    if (entry.type === 'member-reap') {
      this.#changedMs.delete(m.name);
      this.#eventMs.delete(m.name);
      return this.#byName.delete(m.name);
    }
    if (this.#byName.size >= MEMBERS_MAX && !this.#byName.has(m.name)) return false;
    const before = this.#byName.get(m.name);
    if (before?.state !== m.state) this.#changedMs.set(m.name, nowMs);
    this.#byName.set(m.name, m);
    this.#eventMs.set(m.name, nowMs);
    return true;
  }

  /** Sorted by name. */
  list() {
    return [...this.#byName.values()].sort(byName);
  }

  /** When `name` last changed state, or undefined. */
  changedMs(name) {
    return this.#changedMs.get(name);
  }
}
