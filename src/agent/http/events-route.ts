/**
 * `POST /v1/events` sends a user event (Serf's `serf event`); `GET /v1/events` streams every
 * event this node sees as server-sent events (event-hub.ts).
 *
 * Sending: `{name, payload? | payloadBase64?, coalesce? = true}` → `{ltime}` (a decimal
 * string). The cluster judges the size (Serf: name and payload together at most 512 bytes);
 * its refusal is a 400 naming `body/payload`. The time from the request to the event's local
 * delivery feeds `hearsay_event_latency_seconds` (metrics.ts says what it measures): the
 * route listens for its own event — same name, same bytes — from before the send until it is
 * delivered or `eventLatencyWaitMs` passes, whichever comes first.
 *
 * Streaming: the handler takes the response over (`reply.hijack()`), since it never
 * ends; its errors can no longer reach the app's error handler, so everything that can fail
 * (the cluster subscription, the client limit) is done before.
 */

import type { AgentClusterServices, UserEvent } from '../cluster.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { HttpApp } from './app.ts';
import { clientErrorOf, errorBody } from './errors.ts';
import type { EventHub } from './event-hub.ts';
import { PAYLOAD_PROPERTIES, type PayloadFields, payloadFrom } from './payload.ts';
import { SSE_HEADERS } from './sse.ts';

/** Serf's limit is on name + payload together (512 bytes); this only bounds the schema. */
const EVENT_NAME_CHARS_MAX = 1024;

const SEND_SCHEMA = {
  body: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: EVENT_NAME_CHARS_MAX },
      ...PAYLOAD_PROPERTIES,
      coalesce: { type: 'boolean' },
    },
  },
} as const;

interface SendBody extends PayloadFields {
  readonly name: string;
  readonly coalesce?: boolean;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export interface EventsDeps {
  readonly cluster: Pick<AgentClusterServices, 'sendEvent' | 'onUserEvent'>;
  readonly hub: EventHub;
  readonly metrics: AgentMetrics;
  /** Longest wait for a sent event's local delivery, for the latency histogram. */
  readonly eventLatencyWaitMs: number;
}

export function registerEventsRoutes(app: HttpApp, deps: EventsDeps): void {
  const { cluster, hub, metrics } = deps;

  app.post('/v1/events', { schema: SEND_SCHEMA }, async (request) => {
    const body = request.body as SendBody;
    const payload = payloadFrom(body);
    const startedMs = performance.now();
    let off: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      off?.();
      off = undefined;
      clearTimeout(timer);
    };
    off = cluster.onUserEvent((e: UserEvent) => {
      if (e.name !== body.name || !sameBytes(e.payload, payload)) return;
      metrics.eventLatency.observe((performance.now() - startedMs) / 1000);
      stop();
    });
    timer = setTimeout(stop, deps.eventLatencyWaitMs).unref();
    let ltime: bigint;
    try {
      ltime = await cluster.sendEvent(body.name, payload, body.coalesce ?? true);
    } catch (err) {
      stop();
      throw clientErrorOf(err) ?? err;
    }
    return { ltime: ltime.toString() };
  });

  app.get('/v1/events', async (request, reply) => {
    for (const key of Object.keys(request.query as object)) {
      if (key !== 'token') {
        return reply
          .code(400)
          .send(errorBody(400, `querystring/${key} is not a parameter of GET /v1/events`));
      }
    }
    if (hub.full) {
      return reply.code(503).send(errorBody(503, 'too many event-stream clients; try again later'));
    }
    hub.prepare();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, SSE_HEADERS);
    const gone = hub.add(res);
    res.on('close', gone);
    res.on('error', gone);
  });
}
