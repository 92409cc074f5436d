/**
 * The agent's Prometheus metrics: one prom-client `Registry` per agent (not prom-client's
 * global one, so two agents in one process, or a test's many, do not collide).
 *
 * Two kinds of families live here:
 *  - the cluster's, read from `cluster.stats()` at scrape time by each family's `collect`
 *    hook. The cluster keeps plain totals (cheap to bump on the hot path); a scrape copies
 *    them into prom-client, so nothing here runs between scrapes. Counters are reset and set
 *    to the cluster's total each time, which keeps them monotonic as long as the cluster's
 *    totals are;
 *  - the HTTP side's own, bumped as things happen: requests by route and status, SSE clients
 *    connected and dropped, and the event-latency histogram.
 *
 * `hearsay_event_latency_seconds` measures the time from a `POST /v1/events` request reaching
 * the agent to that event's delivery to this node's own event listeners (what `GET
 * /v1/events` streams and event handlers receive): stamping the Lamport time, the size check,
 * queueing it for gossip and local dispatch. It does not measure gossip propagation to other
 * members: Serf's user events carry no send time, so a receiver cannot know how old one is.
 * An event that is not delivered locally within `eventLatencyWaitMs` is not observed.
 *
 * Node's default process metrics (CPU, memory, event-loop lag, GC, handles) are registered
 * too, without a prefix, as prom-client names them.
 */

import { type ClusterStats, MEMBER_STATES } from './cluster.ts';
import { registerProcessCpuMetrics } from './process-cpu-metrics.ts';
import {
  Counter,
  collectDefaultMetricsButCpu,
  Gauge,
  Histogram,
  Registry,
} from './prom-client-parts.ts';

/**
 * How often the event-loop delay is sampled for `nodejs_eventloop_lag_*`. prom-client's
 * default, 10 ms, wakes the process 100 times a second: measured, that alone cost an idle
 * agent about 9 ms of CPU per second (Serf idles at about 2), which on a machine running 64
 * agents is half a core. At 100 ms a blocked loop still shows in the histogram, for about a
 * tenth of the wake-ups.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Buckets from 0.1 ms to 2.5 s: local delivery is usually sub-millisecond. */
export const EVENT_LATENCY_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export interface AgentMetricsOptions {
  /** Where the cluster's families come from; called once per scrape. */
  readonly stats: () => ClusterStats;
  /** Register Node's process metrics (default true; tests that build many turn it off). */
  readonly defaultMetrics?: boolean;
}

type Labels<K extends string> = Partial<Record<K, string | number>>;

function counterFrom<K extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly K[],
  read: (s: ClusterStats) => readonly [Labels<K>, number][],
  stats: () => ClusterStats,
): void {
  registry.registerMetric(
    new Counter<K>({
      name,
      help,
      labelNames,
      registers: [],
      collect() {
        this.reset();
        for (const [labels, value] of read(stats())) this.inc(labels, Math.max(0, value));
      },
    }),
  );
}

function gaugeFrom<K extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly K[],
  read: (s: ClusterStats) => readonly [Labels<K>, number][],
  stats: () => ClusterStats,
): void {
  registry.registerMetric(
    new Gauge<K>({
      name,
      help,
      labelNames,
      registers: [],
      collect() {
        this.reset();
        for (const [labels, value] of read(stats())) this.set(labels, value);
      },
    }),
  );
}

function byType(
  direction: 'in' | 'out',
  counts: Readonly<Record<string, number>>,
): [Labels<'direction' | 'type'>, number][] {
  return Object.entries(counts).map(([type, n]) => [{ direction, type }, n]);
}

export class AgentMetrics {
  readonly registry = new Registry();
  /** Requests answered, by route template (not raw URL: bounded labels), method and status. */
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly sseClients: Gauge;
  /** SSE clients disconnected because they fell too far behind. */
  readonly sseClientsDropped: Counter;
  readonly eventLatency: Histogram;

  /** The cluster's counters for the scrape in progress: read once, not once per family. */
  #scrape: ClusterStats | undefined;

  constructor(options: AgentMetricsOptions) {
    const r = this.registry;
    const stats = (): ClusterStats => {
      this.#scrape ??= options.stats();
      return this.#scrape;
    };
    gaugeFrom(
      r,
      'hearsay_members',
      'Members this node knows, by state',
      ['state'],
      (s) => MEMBER_STATES.map((state) => [{ state }, s.membersByState[state] ?? 0]),
      stats,
    );
    counterFrom(
      r,
      'hearsay_probes_total',
      'Failure-detector probes, by result',
      ['result'],
      (s) => [
        [{ result: 'ok' }, s.probes.ok],
        [{ result: 'failed' }, s.probes.failed],
      ],
      stats,
    );
    counterFrom(
      r,
      'hearsay_suspicions_total',
      'Members this node started suspecting',
      [],
      (s) => [[{}, s.suspicions]],
      stats,
    );
    counterFrom(
      r,
      'hearsay_messages_total',
      'Gossip messages, by direction and message type',
      ['direction', 'type'],
      (s) => [...byType('in', s.messagesIn), ...byType('out', s.messagesOut)],
      stats,
    );
    counterFrom(
      r,
      'hearsay_bytes_total',
      'Gossip bytes, by direction and message type',
      ['direction', 'type'],
      (s) => [...byType('in', s.bytesIn), ...byType('out', s.bytesOut)],
      stats,
    );
    counterFrom(
      r,
      'hearsay_dropped_packets_total',
      'Input dropped, by reason (an error code or a local reason)',
      ['reason'],
      (s) => Object.entries(s.dropped).map(([reason, n]) => [{ reason }, n]),
      stats,
    );
    gaugeFrom(
      r,
      'hearsay_broadcast_queue_depth',
      'Messages queued for gossip (memberlist and Serf queues together)',
      [],
      (s) => [[{}, s.broadcastQueueDepth]],
      stats,
    );
    counterFrom(
      r,
      'hearsay_user_events_total',
      'User events sent from (out) and delivered to (in) this node',
      ['direction'],
      (s) => [
        [{ direction: 'out' }, s.userEvents.sent],
        [{ direction: 'in' }, s.userEvents.received],
      ],
      stats,
    );
    counterFrom(
      r,
      'hearsay_queries_total',
      'Queries sent from (out) and received by (in) this node',
      ['direction'],
      (s) => [
        [{ direction: 'out' }, s.queries.sent],
        [{ direction: 'in' }, s.queries.received],
      ],
      stats,
    );
    gaugeFrom(
      r,
      'hearsay_health_score',
      "Lifeguard's local health (awareness) score: 0 is healthy, higher probes more slowly",
      [],
      (s) => [[{}, s.healthScore]],
      stats,
    );

    this.httpRequests = new Counter({
      name: 'hearsay_http_requests_total',
      help: 'HTTP API requests answered, by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [r],
    });
    this.sseClients = new Gauge({
      name: 'hearsay_sse_clients',
      help: 'Clients connected to GET /v1/events',
      registers: [r],
    });
    this.sseClientsDropped = new Counter({
      name: 'hearsay_sse_clients_dropped_total',
      help: 'Event-stream clients disconnected because their buffer was full (too slow)',
      registers: [r],
    });
    this.eventLatency = new Histogram({
      name: 'hearsay_event_latency_seconds',
      help: 'From POST /v1/events reaching the agent to the event reaching local listeners',
      buckets: EVENT_LATENCY_BUCKETS_S,
      registers: [r],
    });
    if (options.defaultMetrics ?? true) {
      registerProcessCpuMetrics(r);
      collectDefaultMetricsButCpu({
        register: r,
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
    }
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text(): Promise<string> {
    this.#scrape = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.#scrape = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
