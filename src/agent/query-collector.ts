/**
 * The asking side of the agent's queries: turns the Serf layer's per-query events
 * (`query-ack`, `query-response`, `query-done`) into one promise per query plus a callback
 * per answer, as `AgentClusterServices.query` promises them.
 *
 * A query is keyed by its Lamport time and random id (Serf's own key: one open query per
 * query-clock value). The key must be registered before the Serf layer's events for it are
 * delivered; since the node answers its own query inside the same call (it acks itself),
 * the caller registers inside the host's `invoke`, whose events are flushed only after it.
 *
 * A query ends at the first of: `query-done` (the deadline passed in the protocol), the
 * caller's abort signal, a watchdog at the deadline plus slack (a protocol that never says
 * done must not leave a promise pending), or `closeAll` at shutdown. Every ending resolves
 * with what was collected — a query has no failure mode once sent, only fewer answers.
 *
 * Limits: at most `openMax` queries are tracked (the Serf layer refuses more before we get
 * here, so this is a backstop assertion, not a policy); answers per query are bounded by the
 * Serf layer (one ack and one response per member).
 */

import { assert } from '../core/errors.ts';
import type { SerfQueryAnswer } from '../serf/index.ts';
import type { QueryReply, QueryResult } from './cluster.ts';

/** Slack after the deadline before the watchdog ends a query the protocol did not close. */
const QUERY_WATCHDOG_SLACK_MS = 1_000;
const EMPTY = new Uint8Array(0);

interface OpenQuery {
  readonly ltime: bigint;
  readonly acks: string[];
  readonly responses: { readonly from: string; readonly payload: Uint8Array }[];
  readonly onReply: ((reply: QueryReply) => void) | undefined;
  readonly resolve: (result: QueryResult) => void;
  readonly watchdog: ReturnType<typeof setTimeout>;
  readonly detach: () => void;
}

export class QueryCollector {
  readonly #open = new Map<string, OpenQuery>();
  readonly #openMax: number;
  readonly #onListenerError: (err: unknown) => void;

  constructor(openMax: number, onListenerError: (err: unknown) => void) {
    this.#openMax = openMax;
    this.#onListenerError = onListenerError;
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * Track a query the node just sent; `timeoutMs` is its own timeout (the watchdog's base).
   * Returns the promise of its result.
   */
  track(
    ltime: bigint,
    id: number,
    timeoutMs: number,
    onReply: ((reply: QueryReply) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult> {
    const key = keyOf(ltime, id);
    assert(!this.#open.has(key), 'a query key is tracked twice');
    assert(this.#open.size < this.#openMax, 'more open queries than the Serf layer allows');
    const { promise, resolve } = Promise.withResolvers<QueryResult>();
    const onAbort = (): void => this.#finish(key);
    signal?.addEventListener('abort', onAbort, { once: true });
    const watchdog = setTimeout(() => this.#finish(key), timeoutMs + QUERY_WATCHDOG_SLACK_MS);
    this.#open.set(key, {
      ltime,
      acks: [],
      responses: [],
      onReply,
      resolve,
      watchdog,
      detach: () => signal?.removeEventListener('abort', onAbort),
    });
    if (signal?.aborted) this.#finish(key);
    return promise;
  }

  /** A `query-ack` or `query-response` event from the Serf layer. */
  answer(e: SerfQueryAnswer): void {
    const q = this.#open.get(keyOf(e.ltime, e.id));
    if (q === undefined) return;
    let reply: QueryReply;
    if (e.type === 'query-ack') {
      q.acks.push(e.from);
      reply = { type: 'ack', from: e.from };
    } else {
      const payload = e.payload ?? EMPTY;
      q.responses.push({ from: e.from, payload });
      reply = { type: 'response', from: e.from, payload };
    }
    if (q.onReply === undefined) return;
    try {
      q.onReply(reply);
    } catch (err) {
      this.#onListenerError(err);
    }
  }

  /** The Serf layer closed the query at its deadline. */
  done(ltime: bigint, id: number): void {
    this.#finish(keyOf(ltime, id));
  }

  /** Shutdown: resolve every open query with what it has. */
  closeAll(): void {
    for (const key of [...this.#open.keys()]) this.#finish(key);
  }

  #finish(key: string): void {
    const q = this.#open.get(key);
    if (q === undefined) return;
    this.#open.delete(key);
    clearTimeout(q.watchdog);
    q.detach();
    q.resolve({ acks: q.acks, responses: q.responses, ltime: q.ltime });
  }
}

function keyOf(ltime: bigint, id: number): string {
  return `${ltime}/${id}`;
}
