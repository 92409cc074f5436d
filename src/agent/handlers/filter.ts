/**
 * Serf's event-handler specs: `[FILTER=]SCRIPT`, where FILTER is a comma-separated list of
 * event types — `member-join`, `member-leave`, `member-failed`, `member-update`,
 * `member-reap`, `user`, `query`, or `*` for everything — and `user:NAME` / `query:NAME`
 * narrow the last two to one event or query name (Serf's `ParseEventScript` and
 * `EventFilter.Invoke`). No filter means `*`.
 *
 * Serf splits at the first `=` unconditionally, so a script that itself starts with a shell
 * assignment (`FOO=1 ./handler.sh`) is read as the filter `FOO` and refused. We do the same
 * (an existing Serf setting means the same thing here) but say so in the error: prefix such
 * a script with `*=`.
 *
 * Pure: parsing and matching, no processes (script-runner.ts runs them).
 */

import { MEMBER_EVENT_TYPES, type MemberEventType } from '../cluster.ts';

export const HANDLER_EVENT_TYPES = [...MEMBER_EVENT_TYPES, 'user', 'query'] as const;
export type HandlerEventType = (typeof HANDLER_EVENT_TYPES)[number];

export interface EventFilter {
  /** `*` matches every event. */
  readonly event: HandlerEventType | '*';
  /** For `user` and `query`: the one name matched; empty: any. */
  readonly name: string;
}

export interface EventHandlerSpec {
  readonly filters: readonly EventFilter[];
  /** Run with `/bin/sh -c`. */
  readonly script: string;
  /** As written, for logs. */
  readonly text: string;
}

/** What an event looks like to a filter. */
export type FilterableEvent =
  | { readonly type: MemberEventType }
  | { readonly type: 'user' | 'query'; readonly name: string };

/** Longest handler spec accepted (a script path and a few filters). */
export const HANDLER_SPEC_BYTES_MAX = 4096;

export const ACCEPTS_EVENT_HANDLER =
  '[FILTER=]SCRIPT with FILTER a comma-separated list of member-join, member-leave, member-failed, member-update, member-reap, user, user:NAME, query, query:NAME or * (e.g. user:deploy=/opt/deploy.sh)';

/** Parse one `--event-handler` value; throws `Error` with the reason (config.ts names the field). */
export function parseEventHandler(raw: string): EventHandlerSpec {
  if (raw.length > HANDLER_SPEC_BYTES_MAX) {
    throw new Error(`is ${raw.length} characters, more than ${HANDLER_SPEC_BYTES_MAX}`);
  }
  const eq = raw.indexOf('=');
  const filterText = eq < 0 ? '' : raw.slice(0, eq);
  const script = (eq < 0 ? raw : raw.slice(eq + 1)).trim();
  if (script.length === 0) throw new Error('has no script to run');
  const filters = parseEventFilters(filterText === '' ? '*' : filterText);
  return { filters, script, text: raw };
}

function parseEventFilters(text: string): EventFilter[] {
  return text.split(',').map((part) => {
    let event = part.trim();
    let name = '';
    for (const prefix of ['user:', 'query:']) {
      if (event.startsWith(prefix)) {
        name = event.slice(prefix.length);
        event = prefix.slice(0, -1);
      }
    }
    if (event === '*' || (HANDLER_EVENT_TYPES as readonly string[]).includes(event)) {
      return { event: event as EventFilter['event'], name };
    }
    throw new Error(
      `has the filter ${JSON.stringify(part)}, which is not an event type (a script starting with an assignment needs the prefix "*=")`,
    );
  });
}

/** Serf's `EventFilter.Invoke` over a list: does any filter select `e`? */
export function handlerMatches(spec: EventHandlerSpec, e: FilterableEvent): boolean {
  return spec.filters.some((f) => {
    if (f.event === '*') return true;
    if (f.event !== e.type) return false;
    if (f.name === '' || !('name' in e)) return true;
    return f.name === e.name;
  });
}
