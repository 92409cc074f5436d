/**
 * Serf's queries (serf-layer.md §6.2-6.4): the state behind `SerfNode.query`,
 * `SerfNode.respond` and the query receive path. `node.ts` wires it to the context.
 *
 * A query is gossiped like a user event but expects answers: acks (flag 1: "I got it") and
 * responses, sent by UDP straight to the originator's address, optionally also through
 * `RelayFactor` random members. Pieces, each pure state with times passed in:
 *
 *   - `QueryLog`: the receive-side dedup ring (`QueryBuffer`, 512 slots keyed by LTime,
 *     holding the IDs seen at that time), the same rules as the user-event ring: witness,
 *     drop if a ring behind the clock, drop if (LTime, ID) was seen;
 *   - `queryFilterVerdict`: node and tag filters (all must match; a tag filter is a Go
 *     regexp on our tag value, evaluated by the linear-time `go-regexp.ts`);
 *   - `OpenQueries`: the originator's side — one open query per query-clock value, acks and
 *     responses counted once per sender, closed at the deadline;
 *   - `PendingQueries`: queries delivered to the application that it may still answer, each
 *     once and before its deadline.
 *
 * Limits: `QueryLog` slots hold at most `idsPerSlotMax` IDs; at most `openMax` open queries
 * (beyond it `query` is refused with HEARSAY_ERR_QUEUE_FULL) and `pendingMax` answerable
 * ones (beyond it the oldest is forgotten: its answer can no longer be sent); per open query
 * at most `answersMax` acks and as many responses (one per member at most anyway).
 */

import { isRemoteError, RemoteError } from '../core/errors.ts';
import { decodeFilter, encodeFilter } from '../membership/wire/serf/filters.ts';
import type { SerfLimits } from '../membership/wire/serf/limits.ts';
import { compileGoRegexp } from './go-regexp.ts';
import type { LamportClock } from './lamport.ts';

/** Names of queries Serf handles itself; they never reach the application. */
export const INTERNAL_QUERY_PREFIX = '_serf_';
export const PING_QUERY = '_serf_ping';
export const CONFLICT_QUERY = '_serf_conflict';

/** How the application asks a query. */
export interface QueryParams {
  /** Only these nodes answer. */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tag matches the Go regexp answer (tag → regexp; all must match). */
  readonly filterTags?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Ask every receiver for an ack as soon as the query arrives. */
  readonly requestAck?: boolean;
  /** Also send answers through this many random members (0..255). */
  readonly relayFactor?: number;
  /** How long answers are accepted, ms; default `defaultQueryTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** Serf's `DefaultQueryTimeout`: GossipInterval × QueryTimeoutMult × ceil(log10(n + 1)). */
export function defaultQueryTimeoutMs(
  gossipIntervalMs: number,
  timeoutMult: number,
  aliveMembers: number,
): number {
  return gossipIntervalMs * timeoutMult * Math.max(1, Math.ceil(Math.log10(aliveMembers + 1)));
}

/** The encoded filters for `params` (node filter first, then tag filters in map order). */
export function encodeQueryFilters(params: QueryParams): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (params.filterNodes !== undefined && params.filterNodes.length > 0) {
    out.push(encodeFilter({ type: 'node', nodes: params.filterNodes }));
  }
  const tags = params.filterTags;
  if (tags !== undefined) {
    const entries = tags instanceof Map ? [...tags.entries()] : Object.entries(tags);
    for (const [tag, expr] of entries) out.push(encodeFilter({ type: 'tag', tag, expr }));
  }
  return out;
}

export type FilterVerdict =
  | { readonly kind: 'match' }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'bad'; readonly error: RemoteError };

/**
 * Serf's `shouldProcessQuery`: every filter must match. An undecodable filter, or a regexp
 * Go could not compile (or outside our RE2 subset), means no match.
 */
export function queryFilterVerdict(
  filters: readonly Uint8Array[] | null,
  selfName: string,
  tags: ReadonlyMap<string, string>,
  limits: SerfLimits,
): FilterVerdict {
  for (const bytes of filters ?? []) {
    let filter: ReturnType<typeof decodeFilter>;
    try {
      filter = decodeFilter(bytes, limits);
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      return { kind: 'bad', error: e };
    }
    if (filter.type === 'node') {
      if (!filter.nodes.includes(selfName)) return { kind: 'no-match' };
    } else {
      const re = compileGoRegexp(filter.expr);
      if (!re.ok || !re.match(tags.get(filter.tag) ?? '')) return { kind: 'no-match' };
    }
  }
  return { kind: 'match' };
}

export type QueryLogVerdict = 'new' | 'too-old' | 'before-min-time' | 'duplicate' | 'slot-full';

/** Serf's query dedup ring (`queryBuffer`). */
export class QueryLog {
  readonly slots: number;
  readonly idsPerSlotMax: number;
  minTime = 0n;
  readonly #clock: LamportClock;
  readonly #ring: ({ ltime: bigint; ids: number[] } | null)[];

  constructor(clock: LamportClock, slots: number, idsPerSlotMax: number) {
    this.#clock = clock;
    this.slots = slots;
    this.idsPerSlotMax = idsPerSlotMax;
    this.#ring = new Array(slots).fill(null);
  }

  receive(ltime: bigint, id: number): QueryLogVerdict {
    this.#clock.witness(ltime);
    if (ltime < this.minTime) return 'before-min-time';
    const now = this.#clock.time();
    const span = BigInt(this.slots);
    if (now > span && ltime < now - span) return 'too-old';
    const index = Number(ltime % span);
    let slot = this.#ring[index] ?? null;
    if (slot !== null && slot.ltime === ltime) {
      if (slot.ids.includes(id)) return 'duplicate';
      if (slot.ids.length >= this.idsPerSlotMax) return 'slot-full';
    } else {
      slot = { ltime, ids: [] };
      this.#ring[index] = slot;
    }
    slot.ids.push(id);
    return 'new';
  }
}

/** An answer to one of our queries. */
export interface QueryAnswer {
  readonly kind: 'ack' | 'response';
  readonly from: string;
  readonly payload: Uint8Array | null;
}

export interface OpenQuery {
  readonly ltime: bigint;
  readonly id: number;
  readonly name: string;
  readonly deadlineMs: number;
  readonly acks: Set<string>;
  readonly responses: Map<string, Uint8Array | null>;
}

/** The originator's side: open queries by LTime. */
export class OpenQueries {
  readonly openMax: number;
  readonly answersMax: number;
  readonly #byLTime = new Map<bigint, OpenQuery>();

  constructor(openMax: number, answersMax: number) {
    this.openMax = openMax;
    this.answersMax = answersMax;
  }

  get size(): number {
    return this.#byLTime.size;
  }

  /** Registers a query; throws `RemoteError(HEARSAY_ERR_QUEUE_FULL)` when too many are open. */
  open(ltime: bigint, id: number, name: string, deadlineMs: number): OpenQuery {
    if (this.#byLTime.size >= this.openMax) {
      throw new RemoteError(
        'HEARSAY_ERR_QUEUE_FULL',
        `query: ${this.openMax} queries are already open (openQueriesMax)`,
      );
    }
    const q: OpenQuery = { ltime, id, name, deadlineMs, acks: new Set(), responses: new Map() };
    this.#byLTime.set(ltime, q);
    return q;
  }

  /**
   * Serf's `handleQueryResponse`: the answer if it belongs to an open query and is the
   * first of its kind from that sender, else null.
   */
  answer(
    ltime: bigint,
    id: number,
    from: string,
    isAck: boolean,
    payload: Uint8Array | null,
    nowMs: number,
  ): { readonly query: OpenQuery; readonly answer: QueryAnswer } | null {
    const q = this.#byLTime.get(ltime);
    if (q === undefined || q.id !== id || nowMs > q.deadlineMs) return null;
    if (isAck) {
      if (q.acks.has(from) || q.acks.size >= this.answersMax) return null;
      q.acks.add(from);
      return { query: q, answer: { kind: 'ack', from, payload: null } };
    }
    if (q.responses.has(from) || q.responses.size >= this.answersMax) return null;
    q.responses.set(from, payload);
    return { query: q, answer: { kind: 'response', from, payload } };
  }

  /** Closes and returns the queries whose deadline has passed. */
  expire(nowMs: number): OpenQuery[] {
    const closed: OpenQuery[] = [];
    for (const [ltime, q] of this.#byLTime) {
      if (nowMs >= q.deadlineMs) {
        this.#byLTime.delete(ltime);
        closed.push(q);
      }
    }
    return closed;
  }

  nextDeadlineMs(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const q of this.#byLTime.values()) next = Math.min(next, q.deadlineMs);
    return next;
  }
}

/** A query delivered to us that may still be answered. */
export interface PendingQuery {
  readonly ltime: bigint;
  readonly id: number;
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly sourceNode: string;
  readonly relayFactor: number;
  readonly deadlineMs: number;
}

/** The responder's side: answerable queries by a local key handed to the application. */
export class PendingQueries {
  readonly pendingMax: number;
  /** Entries forgotten by the limit since creation. */
  evictedTotal = 0;
  readonly #byKey = new Map<number, PendingQuery>();
  #nextKey = 1;

  constructor(pendingMax: number) {
    this.pendingMax = pendingMax;
  }

  add(q: PendingQuery, nowMs: number): number {
    this.sweep(nowMs);
    if (this.#byKey.size >= this.pendingMax) {
      const oldest = this.#byKey.keys().next().value as number;
      this.#byKey.delete(oldest);
      this.evictedTotal++;
    }
    const key = this.#nextKey++;
    this.#byKey.set(key, q);
    return key;
  }

  /** Removes and returns the entry if it may still be answered; else why not. */
  take(key: number, nowMs: number): PendingQuery | 'unknown' | 'past-deadline' {
    const q = this.#byKey.get(key);
    if (q === undefined) return 'unknown';
    this.#byKey.delete(key);
    return nowMs > q.deadlineMs ? 'past-deadline' : q;
  }

  /** Forgets entries past their deadline. */
  sweep(nowMs: number): void {
    for (const [key, q] of this.#byKey) if (nowMs > q.deadlineMs) this.#byKey.delete(key);
  }

  get size(): number {
    return this.#byKey.size;
  }
}
