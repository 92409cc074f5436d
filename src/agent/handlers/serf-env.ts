/**
 * How an event looks to a handler script: Serf's conventions exactly (Serf's
 * `invokeEventScript`, `memberEventStdin`, `streamPayload`), so a handler written for Serf
 * runs unchanged under hearsay.
 *
 * Environment (added to the agent's own):
 *   SERF_EVENT        member-join | member-leave | member-failed | member-update |
 *                     member-reap | user | query
 *   SERF_SELF_NAME    this node's name
 *   SERF_SELF_ROLE    this node's `role` tag (empty if none)
 *   SERF_TAG_<KEY>    each of this node's tags; KEY upper-cased, characters outside
 *                     [A-Z0-9_] replaced by `_`
 *   SERF_USER_EVENT, SERF_USER_LTIME      user events: the name and Lamport time
 *   SERF_QUERY_NAME, SERF_QUERY_LTIME     queries: the name and Lamport time
 * and the same names with the prefix HEARSAY_ instead of SERF_ (HEARSAY_EVENT, …), plus
 * HEARSAY_QUERY_FROM (the asking node, which Serf does not pass).
 *
 * Stdin:
 *   member events: one line per member, `NAME\tADDR\tROLE\tTAGS\n`, TAGS as `k=v,k2=v2`
 *                  (sorted by key here; Serf's order is Go's random map order); tabs and
 *                  newlines inside a field are written as `\t` and `\n`;
 *   user events and queries: the payload, with a newline appended when it is non-empty and
 *                  does not end in one ("most shells' read needs it", Serf says).
 *
 * Pure: strings and bytes out, no process.
 */

import type { AgentEvent } from '../agent-events.ts';
import type { AgentMember } from '../cluster.ts';

const TAG_NAME_UNSAFE = /[^A-Z0-9_]/g;

/** Serf's `eventClean`: a field must not break the tab-separated line. */
function clean(text: string): string {
  return text.replaceAll('\t', '\\t').replaceAll('\n', '\\n');
}

export function handlerEnv(self: AgentMember, e: AgentEvent): Record<string, string> {
  const serf: Record<string, string> = {
    EVENT: e.type,
    SELF_NAME: self.name,
    SELF_ROLE: self.tags.role ?? '',
  };
  for (const [key, value] of Object.entries(self.tags)) {
    serf[`TAG_${key.toUpperCase().replace(TAG_NAME_UNSAFE, '_')}`] = value;
  }
  if (e.type === 'user') {
    serf.USER_EVENT = e.name;
    serf.USER_LTIME = e.ltime.toString();
  } else if (e.type === 'query') {
    serf.QUERY_NAME = e.name;
    serf.QUERY_LTIME = e.ltime.toString();
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(serf)) {
    env[`SERF_${k}`] = v;
    env[`HEARSAY_${k}`] = v;
  }
  if (e.type === 'query') env.HEARSAY_QUERY_FROM = e.from;
  return env;
}

const utf8 = new TextEncoder();
const NEWLINE = 0x0a;

export function handlerStdin(e: AgentEvent): Uint8Array {
  if (e.type === 'user' || e.type === 'query') return payloadLine(e.payload);
  let text = '';
  for (const m of e.members) text += memberLine(m);
  return utf8.encode(text);
}

export function memberLine(m: AgentMember): string {
  const tags = Object.keys(m.tags)
    .sort()
    .map((k) => `${k}=${m.tags[k]}`)
    .join(',');
  return `${clean(m.name)}\t${m.addr}\t${clean(m.tags.role ?? '')}\t${clean(tags)}\n`;
}

function payloadLine(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload[payload.length - 1] === NEWLINE) return payload;
  const out = new Uint8Array(payload.length + 1);
  out.set(payload);
  out[payload.length] = NEWLINE;
  return out;
}
