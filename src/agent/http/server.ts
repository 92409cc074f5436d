/**
 * The agent's HTTP API server: fastify, one module per route group (members-route.ts, and
 * the next ones beside it), JSON in every answer including errors.
 *
 * `buildHttpServer` only assembles the app, so tests drive it with `app.inject` and no
 * socket; `listenHttp` binds it. Errors always answer in fastify's own shape,
 * `{statusCode, error, message}`: an unknown route or method is a 404, a malformed request
 * a 4xx, and a fault of ours a 500 whose details go to the log, not to the client. Nothing a
 * client sends can crash the server: fastify routes parse errors and bad HTTP through these
 * handlers, and the limits below bound what one request can cost.
 *
 * The API has no authentication, which is why the agent binds it to loopback by default.
 */

import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { AgentCluster } from '../cluster.ts';
import type { HostPort } from '../config.ts';
import type { AgentLogger } from '../log.ts';
import { registerMembersRoute } from './members-route.ts';

export interface HttpLimits {
  /** Largest request body; the API takes no bodies yet, so this is small. */
  readonly bodyBytesMax: number;
  /** Longest a client may take to send a whole request. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Longest path parameter, bytes (fastify answers 414 beyond). */
  readonly paramBytesMax: number;
}

export const HTTP_LIMITS_DEFAULT: HttpLimits = {
  bodyBytesMax: 64 * 1024,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  paramBytesMax: 256,
};

export interface HttpServerOptions {
  readonly cluster: AgentCluster;
  readonly logger: AgentLogger;
  readonly limits?: HttpLimits;
}

/** The error body of every non-2xx answer. */
export interface HttpErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

function errorBody(statusCode: number, message: string): HttpErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message };
}

export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const limits = options.limits ?? HTTP_LIMITS_DEFAULT;
  // Typed as fastify's logger interface so the app keeps fastify's default instance type.
  const logger: FastifyBaseLogger = options.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    // One debug line per request (onResponse below) instead of fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytesMax,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: limits.paramBytesMax },
    // Closing must not wait on a client that holds a keep-alive connection open.
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, statusCode: reply.statusCode },
      'http request',
    );
  });

  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .send(errorBody(404, `no route ${request.method} ${request.url.slice(0, 200)}`));
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // The client's mistake: say what it was.
      return reply.code(status).send(errorBody(status, error.message));
    }
    request.log.error(
      { err: error, method: request.method, url: request.url },
      'http handler failed',
    );
    return reply.code(500).send(errorBody(500, 'internal error; see the agent log'));
  });

  registerMembersRoute(app, options.cluster);
  return app;
}

/** Bind `app` to `address` (port 0: a free port) and resolve with the bound address. */
export async function listenHttp(app: FastifyInstance, address: HostPort): Promise<HostPort> {
  await app.listen({ host: address.host, port: address.port });
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') return address;
  return { host: bound.address, port: bound.port };
}
