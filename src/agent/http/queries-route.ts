/**
 * `POST /v1/queries`: ask the cluster a question (Serf's `serf query`) and collect acks and
 * responses until the query's deadline.
 *
 * Body: `{name, payload? | payloadBase64?, filterNodes?, filterTags?, requestAck? = false,
 * timeoutMs?}`. Two ways to answer:
 *  - JSON (the default): after the deadline, `{ltime, acks, responses: [{from, payload |
 *    payloadBase64}]}`;
 *  - `Accept: text/event-stream`: each ack (`event: ack`, `{from}`) and response (`event:
 *    response`, `{from, payload | payloadBase64}`) as it arrives, then `event: done` with the
 *    JSON answer above. A refusal that comes only once the stream is open arrives as `event:
 *    error` with the usual error body, then the stream ends.
 * A client that disconnects aborts its query. `filterTags` patterns are checked here with the
 * same linear-time matcher the receivers run, so a pattern they could not compile is a 400
 * rather than a query nobody answers. `queriesInFlightMax` bounds the queries open at once
 * (503 beyond): each holds a request and a timer until its deadline.
 */

import { compileGoRegexp } from '../../serf/go-regexp.ts';
import type { AgentClusterServices, QueryParams, QueryReply, QueryResult } from '../cluster.ts';
import type { HttpApp, HttpReply, HttpRequest } from './app.ts';
import { clientErrorOf, errorBody, httpError } from './errors.ts';
import { PAYLOAD_PROPERTIES, type PayloadFields, payloadFrom, payloadJson } from './payload.ts';
import { SSE_HEADERS, SseClient, sseComment, sseMessage } from './sse.ts';

export interface QueryLimits {
  readonly timeoutMsMax: number;
  readonly inFlightMax: number;
  /** Bytes a streaming client may have queued before the query is abandoned. */
  readonly streamBytesMax: number;
  readonly filterNodesMax: number;
  readonly filterTagsMax: number;
  readonly patternCharsMax: number;
}

interface QueryBody extends PayloadFields {
  readonly name: string;
  readonly filterNodes?: readonly string[];
  readonly filterTags?: Readonly<Record<string, string>>;
  readonly requestAck?: boolean;
  readonly timeoutMs?: number;
}

function querySchema(limits: QueryLimits) {
  return {
    body: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 1024 },
        ...PAYLOAD_PROPERTIES,
        filterNodes: {
          type: 'array',
          maxItems: limits.filterNodesMax,
          items: { type: 'string', minLength: 1, maxLength: 128 },
        },
        filterTags: {
          type: 'object',
          maxProperties: limits.filterTagsMax,
          additionalProperties: { type: 'string', maxLength: limits.patternCharsMax },
        },
        requestAck: { type: 'boolean' },
        timeoutMs: { type: 'integer', minimum: 1, maximum: limits.timeoutMsMax },
      },
    },
  } as const;
}

function paramsFrom(body: QueryBody): QueryParams {
  const filterTags = body.filterTags ?? {};
  for (const [key, pattern] of Object.entries(filterTags)) {
    const compiled = compileGoRegexp(pattern);
    if (!compiled.ok) {
      throw httpError(
        400,
        `body/filterTags/${key}`,
        `must be a regular expression in the RE2 subset Serf's filters use (${compiled.reason})`,
      );
    }
  }
  return {
    name: body.name,
    payload: payloadFrom(body),
    filterNodes: body.filterNodes ?? [],
    filterTags,
    requestAck: body.requestAck ?? false,
    ...(body.timeoutMs === undefined ? {} : { timeoutMs: body.timeoutMs }),
  };
}

export function replyJson(r: QueryReply): Record<string, unknown> {
  return r.type === 'ack' ? { from: r.from } : { from: r.from, ...payloadJson(r.payload) };
}

export function resultJson(r: QueryResult): Record<string, unknown> {
  return {
    ltime: r.ltime.toString(),
    acks: [...r.acks],
    responses: r.responses.map((x) => ({ from: x.from, ...payloadJson(x.payload) })),
  };
}

function wantsStream(request: HttpRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.toLowerCase().includes('text/event-stream');
}

export function registerQueriesRoute(
  app: HttpApp,
  cluster: Pick<AgentClusterServices, 'query'>,
  limits: QueryLimits,
): void {
  let inFlight = 0;

  async function streamed(
    request: HttpRequest,
    reply: HttpReply,
    params: QueryParams,
  ): Promise<void> {
    const abort = new AbortController();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, SSE_HEADERS);
    const client = new SseClient(res, limits.streamBytesMax, () => abort.abort());
    const gone = () => {
      client.closed();
      abort.abort();
    };
    res.on('close', gone);
    client.send(sseComment(`query ${params.name}`));
    try {
      const result = await cluster.query(
        params,
        (r) => client.send(sseMessage(r.type, replyJson(r))),
        abort.signal,
      );
      client.send(sseMessage('done', resultJson(result)));
    } catch (err) {
      const refusal = clientErrorOf(err);
      if (refusal === null) request.log.error({ err }, 'query failed');
      client.send(
        sseMessage(
          'error',
          refusal === null
            ? errorBody(500, 'internal error; see the agent log')
            : errorBody(400, refusal.message),
        ),
      );
    } finally {
      res.off('close', gone);
      if (client.open) res.end();
    }
  }

  app.post('/v1/queries', { schema: querySchema(limits) }, async (request, reply) => {
    const params = paramsFrom(request.body as QueryBody);
    if (inFlight >= limits.inFlightMax) {
      return reply.code(503).send(errorBody(503, 'too many queries in flight; try again later'));
    }
    inFlight += 1;
    try {
      if (wantsStream(request)) return await streamed(request, reply, params);
      const abort = new AbortController();
      const onClose = () => {
        if (!reply.sent) abort.abort();
      };
      request.raw.socket?.once('close', onClose);
      try {
        const result = await cluster.query(params, undefined, abort.signal);
        return resultJson(result);
      } catch (err) {
        throw clientErrorOf(err) ?? err;
      } finally {
        request.raw.socket?.off('close', onClose);
      }
    } finally {
      inFlight -= 1;
    }
  });
}
