/**
 * From the cluster's events to the agent's handlers: member events and user events go
 * through their coalescers (coalesce.ts), queries straight on, and every resulting
 * `AgentEvent` is handed first to the in-process listeners (`Agent.onEvent`), then to each
 * handler script whose filter matches it (handlers/filter.ts), run by the script runner.
 *
 *   cluster.onMemberEvent ─ member coalescer ─┐
 *   cluster.onUserEvent ─── user coalescer ───┼─ listeners, then matching scripts
 *   cluster.onQuery ──────────────────────────┘
 *
 * A query handler's stdout, when it exits 0 with some output, answers the query (Serf: the
 * first answer wins; later ones, or ones after the deadline, are refused by the Serf layer
 * and logged at debug). Handlers run with this node as it is at the time of the event
 * (its name and tags, for SERF_SELF_* and SERF_TAG_*).
 *
 * As in Serf, the node's own member-join is the first member event its handlers see (the
 * cluster emitted it while starting, before anyone listened, so it is replayed here).
 *
 * `close` flushes what the coalescers hold to the in-process listeners only (no process is
 * started while the agent stops), then stops the runner, giving running scripts a grace
 * period.
 */

import { DEFAULT_SERF_CONFIG } from '../serf/index.ts';
import type {
  AgentEvent,
  AgentEventListener,
  AgentMemberEvent,
  AgentUserEvent,
} from './agent-events.ts';
import type { AgentCluster, MemberEvent } from './cluster.ts';
import { Coalescer, memberEventPolicy, userEventPolicy } from './coalesce.ts';
import type { AgentConfig } from './config.ts';
import { type EventHandlerSpec, handlerMatches } from './handlers/filter.ts';
import { ScriptRunner } from './handlers/script-runner.ts';
import { handlerEnv, handlerStdin } from './handlers/serf-env.ts';
import type { AgentLogger } from './log.ts';

/** How long running handler scripts get to finish when the agent stops. */
export const HANDLER_STOP_GRACE_MS = 5_000;

export class EventPipeline {
  readonly runner: ScriptRunner;
  readonly #cluster: AgentCluster;
  readonly #handlers: readonly EventHandlerSpec[];
  readonly #logger: AgentLogger;
  readonly #listeners = new Set<AgentEventListener>();
  readonly #members: Coalescer<MemberEvent, AgentMemberEvent>;
  readonly #users: Coalescer<AgentUserEvent, AgentUserEvent>;
  readonly #unsubscribe: (() => void)[];
  #closing = false;

  constructor(cluster: AgentCluster, config: AgentConfig, logger: AgentLogger) {
    this.#cluster = cluster;
    this.#handlers = config.eventHandlers;
    this.#logger = logger.child({ component: 'handlers' });
    this.runner = new ScriptRunner({
      concurrency: config.handlerConcurrency,
      timeoutMs: config.handlerTimeoutMs,
      logger: this.#logger,
    });
    this.#members = new Coalescer({
      policy: memberEventPolicy(),
      periodMs: config.coalescePeriodMs,
      quiescentMs: config.quiescentPeriodMs,
      pass: (e) => this.#dispatch({ type: e.type, members: [e.member] }),
      emit: (e) => this.#dispatch(e),
    });
    this.#users = new Coalescer({
      policy: userEventPolicy(),
      periodMs: config.userCoalescePeriodMs,
      quiescentMs: config.userQuiescentPeriodMs,
      pass: (e) => this.#dispatch(e),
      emit: (e) => this.#dispatch(e),
    });
    this.#unsubscribe = [
      cluster.onMemberEvent((e) => this.#members.push(e)),
      cluster.onUserEvent((e) => this.#users.push({ type: 'user', ...e })),
      cluster.onQuery((q) =>
        this.#dispatch({
          type: 'query',
          name: q.name,
          payload: q.payload,
          from: q.from,
          ltime: q.ltime,
          respond: (p) => q.respond(p),
        }),
      ),
    ];
  }

  /**
   * Hand on the node's own member-join, as Serf's handlers get it at start; call once the
   * listeners that should see it are subscribed.
   */
  announceSelf(): void {
    this.#members.push({ type: 'member-join', member: this.#cluster.local() });
  }

  onEvent(listener: AgentEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Flush held events to the listeners, stop the runner (running scripts get `graceMs`). */
  async close(graceMs = HANDLER_STOP_GRACE_MS): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#closing = true;
    this.#members.flush();
    this.#users.flush();
    await this.runner.close(graceMs);
  }

  #dispatch(e: AgentEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(e);
      } catch (err) {
        this.#logger.error({ err, event: e.type }, 'an event listener threw');
      }
    }
    if (this.#closing || this.#handlers.length === 0) return;
    const filterable = e.type === 'user' || e.type === 'query' ? { type: e.type, name: e.name } : e;
    let env: Record<string, string> | undefined;
    let stdin: Uint8Array | undefined;
    for (const spec of this.#handlers) {
      if (!handlerMatches(spec, filterable)) continue;
      env ??= handlerEnv(this.#cluster.local(), e);
      stdin ??= handlerStdin(e);
      this.runner.enqueue({
        handler: spec.text,
        event: e.type === 'user' || e.type === 'query' ? `${e.type}:${e.name}` : e.type,
        script: spec.script,
        env,
        stdin,
        onSuccess: e.type === 'query' ? (out) => this.#answer(e, out) : undefined,
      });
    }
  }

  #answer(q: Extract<AgentEvent, { type: 'query' }>, stdout: Uint8Array): void {
    // Serf answers only with some output.
    if (stdout.length === 0 || q.respond(stdout)) return;
    const limit = DEFAULT_SERF_CONFIG.queryResponseSizeLimitBytes;
    if (stdout.length >= limit) {
      this.#logger.warn(
        { query: q.name, bytes: stdout.length },
        `query handler output not sent: over the ${limit}-byte response limit`,
      );
    } else {
      this.#logger.debug(
        { query: q.name, bytes: stdout.length },
        'query handler output not sent: answered already, or past the deadline',
      );
    }
  }
}
