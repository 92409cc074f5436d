/**
 * The handler log: how the event benchmark learns when each agent ran its handler.
 *
 * Both systems run the very same shell script for the benchmark's user event (Serf's
 * `-event-handler user:NAME=SCRIPT`, hearsay's `--event-handler user:NAME=SCRIPT`). The
 * script reads the wall clock first (`date +%s%N`, CLOCK_REALTIME, the clock `Date.now()`
 * reads here), then the payload from stdin (both systems hand a user event's payload on
 * stdin with a newline added), and appends one line `NODE PAYLOAD NANOSECONDS` to a file
 * shared by the whole cluster. Appends under PIPE_BUF with O_APPEND land whole, so 64
 * scripts writing at once never interleave within a line.
 *
 * What lives here is pure: the script's text, parsing the file, matching lines to the events
 * sent, and the statistics. Latency of one event = the last agent's timestamp − the send
 * time, and it counts only when every agent ran the handler; an event some agent never
 * handled (by the deadline) is a miss, reported apart, never averaged in.
 */

import { median } from '../membership/measure.ts';

/** The user event name the handler is registered for. */
export const HANDLED_EVENT_NAME = 'bench';
/** Largest handler log read back: 64 agents × a few hundred events is ~1 MiB. */
export const HANDLER_LOG_BYTES_MAX = 64 * 1024 * 1024;

/** Payloads (event ids) the script can write on one line: no spaces, no quotes. */
const EVENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NANOSECONDS = /^\d{10,20}$/;

/** The handler script (POSIX sh), writing to `logPath`. */
export function handlerScript(logPath: string): string {
  if (logPath.includes("'")) throw new Error(`handler log path must not contain ': ${logPath}`);
  return [
    '#!/bin/sh',
    '# hearsay event benchmark: one line per handled event, wall clock first.',
    't=$(date +%s%N)',
    'id=',
    'read -r id',
    `printf '%s %s %s\\n' "$SERF_SELF_NAME" "$id" "$t" >> '${logPath}'`,
    '',
  ].join('\n');
}

/** An event id safe for the script's one-line format, or throws. */
export function eventId(text: string): string {
  if (!EVENT_ID.test(text)) throw new Error(`event id must match ${EVENT_ID}, got ${text}`);
  return text;
}

export interface HandledLine {
  readonly node: string;
  readonly id: string;
  /** Wall clock, Unix milliseconds with the nanoseconds as a fraction. */
  readonly atMs: number;
}

export interface ParsedHandlerLog {
  readonly lines: readonly HandledLine[];
  /** Lines that did not have the script's shape (a torn write would show here). */
  readonly malformed: number;
}

/** `date +%s%N` as Unix milliseconds; exact to ~0.2 µs within doubles' precision. */
export function nanosecondsToMs(text: string): number {
  if (!NANOSECONDS.test(text)) return Number.NaN;
  const seconds = Number(text.slice(0, -9));
  const nanos = Number(text.slice(-9));
  return seconds * 1000 + nanos / 1e6;
}

export function parseHandlerLog(text: string): ParsedHandlerLog {
  const lines: HandledLine[] = [];
  let malformed = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const fields = raw.split(' ');
    const atMs = fields.length === 3 ? nanosecondsToMs(fields[2]!) : Number.NaN;
    if (fields.length !== 3 || fields[0] === '' || !EVENT_ID.test(fields[1]!) || !(atMs > 0)) {
      malformed++;
      continue;
    }
    lines.push({ node: fields[0]!, id: fields[1]!, atMs });
  }
  return { lines, malformed };
}

export interface SentEvent {
  readonly id: string;
  readonly sender: string;
  /** Wall clock (`Date.now()`) just before the request. */
  readonly sentAtMs: number;
  /** The send itself failed: the event never entered the cluster. */
  readonly sendError?: string;
}

export interface EventOutcome {
  readonly id: string;
  readonly sender: string;
  /** Distinct agents whose handler ran. */
  readonly handledBy: number;
  /** Handler runs beyond one per agent (neither system should have any). */
  readonly duplicates: number;
  /** Send → last agent's handler, when all ran; else null (a miss). */
  readonly latencyMs: number | null;
  /** Send → first agent's handler (usually the sender's own). */
  readonly firstMs: number | null;
  readonly sendError?: string;
}

/**
 * Matches handler lines to the events sent; `nodes` agents must all have run it within
 * `deadlineMs` of the send (a later run counts as not run).
 */
export function eventOutcomes(
  sent: readonly SentEvent[],
  lines: readonly HandledLine[],
  nodes: number,
  deadlineMs = Number.POSITIVE_INFINITY,
): EventOutcome[] {
  const byId = new Map<string, HandledLine[]>();
  for (const l of lines) {
    const list = byId.get(l.id);
    if (list === undefined) byId.set(l.id, [l]);
    else list.push(l);
  }
  return sent.map((e) => {
    const handled = (byId.get(e.id) ?? []).filter((l) => l.atMs - e.sentAtMs <= deadlineMs);
    // A node's time is its first run; a duplicate run must not make the event look slower.
    const firstByNode = new Map<string, number>();
    for (const l of handled) {
      firstByNode.set(l.node, Math.min(firstByNode.get(l.node) ?? l.atMs, l.atMs));
    }
    const times = [...firstByNode.values()];
    const complete = firstByNode.size >= nodes;
    return {
      id: e.id,
      sender: e.sender,
      handledBy: firstByNode.size,
      duplicates: handled.length - firstByNode.size,
      latencyMs: complete ? Math.max(...times) - e.sentAtMs : null,
      firstMs: times.length > 0 ? Math.min(...times) - e.sentAtMs : null,
      ...(e.sendError === undefined ? {} : { sendError: e.sendError }),
    };
  });
}

/** Whether every agent has run the handler for each sent event (the wait can stop). */
export function allHandled(outcomes: readonly EventOutcome[]): boolean {
  return outcomes.every((o) => o.latencyMs !== null || o.sendError !== undefined);
}

/** Nearest-rank percentile (p in (0, 100]): a value that was observed, never interpolated. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new Error(`percentile p must be in (0, 100], got ${p}`);
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

export interface LatencySummary {
  readonly events: number;
  /** Events every agent handled in time. */
  readonly complete: number;
  /** Sent, but some agent never ran the handler by the deadline. */
  readonly misses: number;
  readonly sendErrors: number;
  readonly duplicates: number;
  readonly medianMs: number | null;
  readonly p95Ms: number | null;
  readonly maxMs: number | null;
  /** Send → first handler (usually the sender's own: the agent's local path), median. */
  readonly firstMedianMs: number | null;
}

export function latencySummary(outcomes: readonly EventOutcome[]): LatencySummary {
  const latencies = outcomes.map((o) => o.latencyMs).filter((x) => x !== null);
  const sendErrors = outcomes.filter((o) => o.sendError !== undefined).length;
  const firsts = outcomes.map((o) => o.firstMs).filter((x) => x !== null);
  return {
    events: outcomes.length,
    complete: latencies.length,
    misses: outcomes.length - latencies.length - sendErrors,
    sendErrors,
    duplicates: outcomes.reduce((acc, o) => acc + o.duplicates, 0),
    medianMs: latencies.length > 0 ? median(latencies) : null,
    p95Ms: latencies.length > 0 ? percentile(latencies, 95) : null,
    maxMs: latencies.length > 0 ? Math.max(...latencies) : null,
    firstMedianMs: firsts.length > 0 ? median(firsts) : null,
  };
}
