/**
 * The fan-out behind `GET /v1/events`: every event this node sees, to every connected client.
 *
 * The hub subscribes to the cluster (user events, member events, queries addressed to this
 * node) when its first client connects and unsubscribes when its last one leaves, so an
 * agent nobody watches does no work here. Each event is turned into one SSE message once
 * (sse.ts), whatever the number of clients, and handed to each; a client that cannot keep up
 * is dropped by its own bound (sse.ts) and counted. One timer sends the heartbeat comment
 * to all clients while any is connected. `clientsMax` bounds the connections at once: the
 * next one is refused with a 503 by the route.
 *
 * What a message's data holds (docs/agent.md, "GET /v1/events"):
 * `{type, time, name?, payload? | payloadBase64?, ltime?, coalesce?, member?, from?}` —
 * `time` is when the event reached this agent (ISO 8601), `ltime` a decimal string (a Lamport
 * time is a 64-bit counter, past JSON's exact integers).
 */

import type {
  AgentCluster,
  AgentClusterServices,
  AgentMember,
  IncomingQuery,
  MemberEvent,
  UserEvent,
} from '../cluster.ts';
import type { AgentMetrics } from '../metrics.ts';
import { isoTimestamp } from '../utc-time.ts';
import { payloadJson } from './payload.ts';
import { SseClient, type SseSink, sseComment, sseMessage } from './sse.ts';

export interface EventHubLimits {
  readonly clientsMax: number;
  /** Bytes one client may have queued before it is dropped. */
  readonly clientBytesMax: number;
  readonly heartbeatMs: number;
}

export type HubCluster = Pick<AgentCluster, 'onMemberEvent'> &
  Pick<AgentClusterServices, 'onUserEvent' | 'onQuery'>;

function memberJson(m: AgentMember): AgentMember {
  return { name: m.name, addr: m.addr, port: m.port, tags: { ...m.tags }, state: m.state };
}

export function userEventJson(e: UserEvent, timeMs: number): Record<string, unknown> {
  return {
    type: 'user',
    time: isoTimestamp(timeMs),
    name: e.name,
    ...payloadJson(e.payload),
    ltime: e.ltime.toString(),
    coalesce: e.coalesce,
  };
}

export function memberEventJson(e: MemberEvent, timeMs: number): Record<string, unknown> {
  return { type: e.type, time: isoTimestamp(timeMs), member: memberJson(e.member) };
}

export function queryEventJson(q: IncomingQuery, timeMs: number): Record<string, unknown> {
  return {
    type: 'query',
    time: isoTimestamp(timeMs),
    name: q.name,
    ...payloadJson(q.payload),
    ltime: q.ltime.toString(),
    from: q.from,
  };
}

export class EventHub {
  readonly #cluster: HubCluster;
  readonly #limits: EventHubLimits;
  readonly #metrics: AgentMetrics;
  readonly #clients = new Set<SseClient>();
  #unsubscribe: (() => void)[] = [];
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(cluster: HubCluster, limits: EventHubLimits, metrics: AgentMetrics) {
    this.#cluster = cluster;
    this.#limits = limits;
    this.#metrics = metrics;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Room for another client? */
  get full(): boolean {
    return this.#clients.size >= this.#limits.clientsMax;
  }

  /**
   * Subscribe to the cluster if this would be the first client. Throws if the cluster
   * cannot be subscribed to; call before answering, so a failure is still a plain 500.
   */
  prepare(): void {
    if (this.#unsubscribe.length > 0 || this.#closed) return;
    const offs: (() => void)[] = [];
    try {
      offs.push(
        this.#cluster.onUserEvent((e) => this.#publish('user', userEventJson(e, Date.now()))),
      );
      offs.push(
        this.#cluster.onMemberEvent((e) => this.#publish(e.type, memberEventJson(e, Date.now()))),
      );
      offs.push(
        this.#cluster.onQuery((q) => this.#publish('query', queryEventJson(q, Date.now()))),
      );
    } catch (err) {
      for (const off of offs) off();
      throw err;
    }
    this.#unsubscribe = offs;
  }

  /** Add a client writing to `sink`; returns the function to call when its peer goes away. */
  add(sink: SseSink): () => void {
    this.prepare();
    const client = new SseClient(sink, this.#limits.clientBytesMax, () => {
      this.#metrics.sseClientsDropped.inc();
      this.#remove(client);
    });
    this.#clients.add(client);
    this.#metrics.sseClients.set(this.#clients.size);
    client.send(sseComment('hearsay events'));
    this.#heartbeat ??= setInterval(() => this.#beat(), this.#limits.heartbeatMs).unref();
    return () => {
      client.closed();
      this.#remove(client);
    };
  }

  /** Drop every client and the subscription; idempotent. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#clients]) {
      c.close();
      this.#remove(c);
    }
    this.#release();
  }

  #remove(client: SseClient): void {
    if (!this.#clients.delete(client)) return;
    this.#metrics.sseClients.set(this.#clients.size);
    if (this.#clients.size === 0) this.#release();
  }

  #release(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #publish(event: string, data: Record<string, unknown>): void {
    if (this.#clients.size === 0) return;
    const chunk = sseMessage(event, data);
    for (const c of [...this.#clients]) c.send(chunk);
  }

  #beat(): void {
    const chunk = sseComment('heartbeat');
    for (const c of [...this.#clients]) c.send(chunk);
  }
}
