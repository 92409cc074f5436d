/**
 * The agent's HTTP API server: our own small app over `node:http` (app.ts, and why it is not
 * fastify), one module per route group beside this one, JSON in every answer including
 * errors (the event streams aside).
 *
 * `buildHttpServer` only assembles the app, so tests drive it with `app.inject`;
 * `listenHttp` binds it. Errors always answer in one shape, `{statusCode, error, message}`
 * (errors.ts): an unknown route or method is a 404, a malformed request a 400 naming the
 * field (`body/name must be string`), a body over `bodyBytesMax` a 413, a missing or wrong
 * token a 401, and a fault of ours a 500 whose details go to the log, not to the client.
 * Nothing a client sends can crash the server: parse errors and bad HTTP end in these
 * answers, and the limits below bound what one request can cost.
 *
 * Bodies are validated strictly (json-schema.ts): no type coercion (`"name": 5` is refused,
 * not turned into "5") and no unknown fields (a misspelt `coalesc` is a 400, not silently
 * ignored).
 *
 * Authentication (auth.ts) is an `onRequest` hook, so it runs before any body is read or
 * route runs. Without `--http-token` the API is open, which is why the agent binds it to
 * loopback by default. The dashboard (dashboard*.ts, another module's) registers outside
 * `/v1/` and stays open either way.
 */

import pkg from '../../../package.json' with { type: 'json' };
import type { AgentCluster } from '../cluster.ts';
import type { HostPort } from '../config.ts';
import type { AgentLogger } from '../log.ts';
import { AgentMetrics } from '../metrics.ts';
import { HttpApp } from './app.ts';
import {
  bearerToken,
  pathNeedsAuth,
  pathTakesQueryToken,
  redactUrl,
  tokenChecker,
} from './auth.ts';
import { registerDashboardRoute } from './dashboard-route.ts';
import { errorBody } from './errors.ts';
import { EventHub } from './event-hub.ts';
import { registerEventsRoutes } from './events-route.ts';
import { registerInfoRoutes } from './info-route.ts';
import { registerJoinRoute } from './join-route.ts';
import { registerKeysRoutes } from './keys-route.ts';
import { registerLeaveRoute } from './leave-route.ts';
import { registerMembersRoute } from './members-route.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { registerQueriesRoute } from './queries-route.ts';
import { warmUpHttpApi } from './warm-up.ts';

export type { HttpErrorBody } from './errors.ts';

/** What the routes need from the cluster: membership and the services (events, queries, …). */
export type HttpCluster = AgentCluster;

export interface HttpLimits {
  /** Largest request body (the biggest legitimate one, a query, is well under 1 KiB). */
  readonly bodyBytesMax: number;
  /** Longest a client may take to send a whole request. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Longest path parameter, characters (414 beyond). */
  readonly paramCharsMax: number;
  /** `GET /v1/events` clients at once; the next is a 503. */
  readonly sseClientsMax: number;
  /** Bytes one event-stream client may have queued before it is dropped as too slow. */
  readonly sseClientBytesMax: number;
  /** Interval of the comment that keeps idle event streams open through proxies. */
  readonly sseHeartbeatMs: number;
  /** Longest `timeoutMs` a query may ask for. */
  readonly queryTimeoutMsMax: number;
  /** Queries open at once; the next is a 503. */
  readonly queriesInFlightMax: number;
  /** Node names in a query's `filterNodes`. */
  readonly queryFilterNodesMax: number;
  /** Tags in a query's `filterTags`, and `tag` parameters of `GET /v1/members`. */
  readonly filterTagsMax: number;
  /** Longest regular expression in a filter, characters. */
  readonly filterPatternCharsMax: number;
  /** How long `POST /v1/events` waits for local delivery to time it (metrics.ts). */
  readonly eventLatencyWaitMs: number;
}

export const HTTP_LIMITS_DEFAULT: HttpLimits = {
  bodyBytesMax: 64 * 1024,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  paramCharsMax: 256,
  sseClientsMax: 64,
  sseClientBytesMax: 1024 * 1024,
  sseHeartbeatMs: 15_000,
  queryTimeoutMsMax: 5 * 60_000,
  queriesInFlightMax: 64,
  queryFilterNodesMax: 1024,
  filterTagsMax: 16,
  filterPatternCharsMax: 256,
  eventLatencyWaitMs: 10_000,
};

export interface HttpServerOptions {
  readonly cluster: HttpCluster;
  readonly logger: AgentLogger;
  /** Overrides of `HTTP_LIMITS_DEFAULT`. */
  readonly limits?: Partial<HttpLimits>;
  /** Bearer token every API request must carry; null or absent: no authentication. */
  readonly token?: string | null;
  /** Called (once per request) after `POST /v1/leave` is answered; absent: that route is 501. */
  readonly requestLeave?: () => void;
  /** Metrics to export and update; absent: a new registry with Node's process metrics. */
  readonly metrics?: AgentMetrics;
  /** Reported by `GET /v1/info`; default: the package's version. */
  readonly version?: string;
}

/** An app with no routes yet, under `limits`' bounds on requests. */
export function emptyHttpApp(
  logger: AgentLogger,
  limits: HttpLimits = HTTP_LIMITS_DEFAULT,
): HttpApp {
  return new HttpApp({
    logger,
    bodyBytesMax: limits.bodyBytesMax,
    requestTimeoutMs: limits.requestTimeoutMs,
    keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
    paramCharsMax: limits.paramCharsMax,
  });
}

/** The header that marks the agent's own warm-up requests. */
const WARM_UP_HEADER = 'x-hearsay-warm-up';
const warmUps = new WeakMap<HttpApp, { readonly mark: string; readonly token: string | null }>();

export function buildHttpServer(options: HttpServerOptions): HttpApp {
  const limits: HttpLimits = { ...HTTP_LIMITS_DEFAULT, ...options.limits };
  const cluster = options.cluster;
  const metrics = options.metrics ?? new AgentMetrics({ stats: () => cluster.stats() });
  const app = emptyHttpApp(options.logger.child({ component: 'http' }), limits);
  // Marks the agent's own warm-up requests (warm-up.ts), which stay out of the request
  // metrics and the log. Not a secret that guards anything: a request carrying it is served
  // like any other, authentication included.
  const warmUpMark = `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const token = options.token ?? null;
  warmUps.set(app, { mark: warmUpMark, token });

  if (token !== null) {
    const matches = tokenChecker(token);
    app.addHook('onRequest', async (request, reply) => {
      // The matched route's template when there is one, so no spelling of a path (encoded,
      // doubled slashes) reaches an API route unchecked; the raw path for a 404.
      const path = request.route ?? request.url.split('?', 1)[0]!;
      if (!pathNeedsAuth(path)) return;
      let presented = bearerToken(request.headers.authorization);
      if (presented === undefined && pathTakesQueryToken(request.method, path)) {
        const q = request.query.token;
        if (typeof q === 'string') presented = q;
      }
      if (presented !== undefined && matches(presented)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="hearsay"')
        .send(
          errorBody(
            401,
            presented === undefined
              ? 'this agent requires a token: Authorization: Bearer TOKEN'
              : 'wrong token',
          ),
        );
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    if (request.headers[WARM_UP_HEADER] === warmUpMark) return;
    metrics.httpRequests.inc({
      route: request.route ?? 'unmatched',
      method: request.method,
      status: reply.statusCode,
    });
    request.log.debug(
      { method: request.method, url: redactUrl(request.url), statusCode: reply.statusCode },
      'http request',
    );
  });

  const hub = new EventHub(
    cluster,
    {
      clientsMax: limits.sseClientsMax,
      clientBytesMax: limits.sseClientBytesMax,
      heartbeatMs: limits.sseHeartbeatMs,
    },
    metrics,
  );
  app.addHook('onClose', async () => hub.close());
  let leaveRequested = false;

  registerMembersRoute(app, cluster, {
    patternCharsMax: limits.filterPatternCharsMax,
    tagFiltersMax: limits.filterTagsMax,
  });
  registerInfoRoutes(app, {
    cluster,
    version: options.version ?? pkg.version,
    leaveRequested: () => leaveRequested,
  });
  registerEventsRoutes(app, {
    cluster,
    hub,
    metrics,
    eventLatencyWaitMs: limits.eventLatencyWaitMs,
  });
  registerQueriesRoute(app, cluster, {
    timeoutMsMax: limits.queryTimeoutMsMax,
    inFlightMax: limits.queriesInFlightMax,
    streamBytesMax: limits.sseClientBytesMax,
    filterNodesMax: limits.queryFilterNodesMax,
    filterTagsMax: limits.filterTagsMax,
    patternCharsMax: limits.filterPatternCharsMax,
  });
  registerKeysRoutes(app, cluster);
  registerJoinRoute(app, cluster);
  registerLeaveRoute(app, {
    requestLeave: options.requestLeave,
    markLeaving: () => {
      leaveRequested = true;
    },
  });
  registerMetricsRoute(app, metrics);
  registerDashboardRoute(app);
  return app;
}

/**
 * Sends the warm-up requests (warm-up.ts) to `app`, listening on `address`, as itself: with
 * the token when it has one, and marked so that they are not counted or logged. Resolves to
 * how many were answered; 0 for an app `buildHttpServer` did not make.
 */
export async function warmUpHttpServer(app: HttpApp, address: HostPort): Promise<number> {
  const warmUp = warmUps.get(app);
  if (warmUp === undefined) return 0;
  const headers: Record<string, string> = { [WARM_UP_HEADER]: warmUp.mark };
  if (warmUp.token !== null) headers.authorization = `Bearer ${warmUp.token}`;
  return warmUpHttpApi(address, { headers });
}

/** Bind `app` to `address` (port 0: a free port) and resolve with the bound address. */
export async function listenHttp(app: HttpApp, address: HostPort): Promise<HostPort> {
  await app.listen(address);
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') return address;
  return { host: bound.address, port: bound.port };
}
