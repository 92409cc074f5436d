/**
 * The HTTP API's server: a route table (router.ts) over `node:http`, with fastify's shape of
 * request, reply and errors, and nothing the API does not use.
 *
 * Why not fastify, which served the API until stop 13: in an idle agent it cost 6-7 MiB of
 * the 74 MiB resident (fastify's own modules, and `node:https`, `node:http2` and TLS, which it
 * loads eagerly), and in a join burst each agent's one `POST /v1/join` ran about 140 of its
 * functions for the first time. The agent's API is a dozen JSON routes; what they need is
 * here: bodies (request-body.ts), schema checks and response schemas (json-schema.ts),
 * errors in one shape (errors.ts), hooks, limits, and `inject` for tests.
 *
 * A request goes: closing? 503 · match the route (400 for a path that does not decode, 414
 * for an overlong parameter) · `onRequest` hooks (authentication: before any body is read) ·
 * 404 when no route · read and parse the body · check it against the route's schema
 * (`body/name must be string`, a 400) · the handler. A handler returns the answer's value
 * (JSON, cut to the route's response schema for that status) or answers through `reply`; it
 * throws an `HttpError` for a client's mistake, or anything else for a fault of ours, which is
 * a 500 whose details go to the log. `onResponse` hooks run once the answer is written.
 *
 * `node:http` is taken with `process.getBuiltinModule`, not imported: importing a built-in
 * module from ESM evaluates every lazy export of it, and `node:http`'s bring in TLS, HTTP/2
 * and undici, 6 MiB of an agent's memory (bench/RESULTS.md, "2026-11-22 (stop 13)").
 */

import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentLogger } from '../log.ts';
import { httpDateNow } from '../utc-time.ts';
import { redactUrl } from './auth.ts';
import { errorBody, HttpError } from './errors.ts';
import { compileSchema, compileSerializer, type SchemaValidator } from './json-schema.ts';
import { hasBody, readJsonBody } from './request-body.ts';
import { Router } from './router.ts';

const http = process.getBuiltinModule('node:http');
const querystring = process.getBuiltinModule('node:querystring');

export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface HttpRequest {
  readonly method: string;
  /** As sent: the path and the query. */
  readonly url: string;
  /** The matched route's template (`/v1/members`, `/ui/*`); undefined when none matched. */
  readonly route: string | undefined;
  readonly query: RawQuery;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, checked against the route's schema; undefined without one. */
  readonly body: unknown;
  readonly raw: IncomingMessage;
  readonly log: AgentLogger;
}

export type Handler = (request: HttpRequest, reply: HttpReply) => unknown;
export type Hook = (request: HttpRequest, reply: HttpReply) => unknown;

export interface RouteSchema {
  readonly body?: unknown;
  /** Status code → schema the answer's value is cut to (json-schema.ts). */
  readonly response?: Readonly<Record<number, unknown>>;
}

export interface RouteOptions {
  readonly schema?: RouteSchema;
}

interface Route {
  readonly url: string;
  readonly handler: Handler;
  readonly checkBody: SchemaValidator | undefined;
  readonly serializers: ReadonlyMap<number, (data: unknown) => string>;
}

export interface HttpAppOptions {
  readonly logger: AgentLogger;
  /** Largest request body, bytes (413 beyond). */
  readonly bodyBytesMax: number;
  /** Longest a client may take to send a whole request. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Longest path parameter (`/ui/*`'s rest), characters (414 beyond). */
  readonly paramCharsMax: number;
}

/** What `inject` answers: the status, the headers and the body as text. */
export interface InjectResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly rawPayload: Buffer;
  json(): unknown;
}

export interface InjectRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string or bytes as is; anything else as JSON (`content-type` defaulting to JSON's). */
  readonly payload?: unknown;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** One answer in the making: status, headers, then exactly one `send` (or a hijack). */
export class HttpReply {
  statusCode = 200;
  readonly raw: ServerResponse;
  readonly #headers: Record<string, string> = {};
  readonly #route: Route | undefined;
  readonly #notFound: () => void;
  #sent = false;
  #hijacked = false;

  constructor(raw: ServerResponse, route: Route | undefined, notFound: () => void) {
    this.raw = raw;
    this.#route = route;
    this.#notFound = notFound;
  }

  /** True once answered, or once the handler took the response over (`hijack`). */
  get sent(): boolean {
    return this.#sent || this.#hijacked;
  }

  get hijacked(): boolean {
    return this.#hijacked;
  }

  code(statusCode: number): this {
    this.statusCode = statusCode;
    return this;
  }

  header(name: string, value: string): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  type(contentType: string): this {
    return this.header('content-type', contentType);
  }

  /** The handler writes `raw` itself from here on (an event stream). */
  hijack(): void {
    this.#hijacked = true;
  }

  /** Answer as if no route had matched. */
  callNotFound(): void {
    this.#notFound();
  }

  /**
   * Bytes and strings go as they are; any other value as JSON, cut to the route's response
   * schema for this status when it has one. No value: an empty body.
   */
  send(value?: unknown): this {
    if (this.sent) throw new Error('this reply was already sent');
    // Serialized before the reply counts as sent: a value that cannot be (a bigint) is then
    // the handler's fault, answered 500, not a dropped connection.
    let body: string | Buffer | Uint8Array = '';
    if (typeof value === 'string') {
      this.#headers['content-type'] ??= 'text/plain; charset=utf-8';
      body = value;
    } else if (value instanceof Uint8Array) {
      this.#headers['content-type'] ??= 'application/octet-stream';
      body = value;
    } else if (value !== undefined) {
      const serialize = this.#route?.serializers.get(this.statusCode) ?? JSON.stringify;
      this.#headers['content-type'] ??= JSON_TYPE;
      body = serialize(value);
    }
    this.#sent = true;
    this.#headers['content-length'] = String(
      typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    );
    this.raw.writeHead(this.statusCode, this.#headers);
    this.raw.end(body);
    return this;
  }
}

export class HttpApp {
  readonly server: Server;
  readonly log: AgentLogger;
  readonly #options: HttpAppOptions;
  readonly #router: Router<Route>;
  readonly #onRequest: Hook[] = [];
  readonly #onResponse: Hook[] = [];
  readonly #onClose: (() => void | Promise<void>)[] = [];
  #closing: Promise<void> | undefined;
  /** `inject`'s own loopback listener, made on first use. */
  #injectServer: Server | undefined;

  constructor(options: HttpAppOptions) {
    this.#options = options;
    this.log = options.logger;
    this.#router = new Router(options.paramCharsMax);
    this.server = http.createServer({
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: Math.min(60_000, options.requestTimeoutMs),
    });
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs;
    this.#serve(this.server);
  }

  #serve(server: Server): void {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Node's own `Date` header goes through `Date#toUTCString`, which loads ICU's time
      // zones (utc-time.ts says why that matters); the same text, formatted without them.
      res.sendDate = false;
      res.setHeader('date', httpDateNow());
      void this.#handle(req, res);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? 431
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 408
            : 400;
      const body = JSON.stringify(
        errorBody(status, `malformed HTTP request (${err.code ?? 'error'})`),
      );
      socket.end(
        `HTTP/1.1 ${status} ${errorBody(status, '').error}\r\ncontent-type: ${JSON_TYPE}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  }

  get(url: string, ...rest: [Handler] | [RouteOptions, Handler]): void {
    this.#add('GET', url, rest);
  }

  post(url: string, ...rest: [Handler] | [RouteOptions, Handler]): void {
    this.#add('POST', url, rest);
  }

  put(url: string, ...rest: [Handler] | [RouteOptions, Handler]): void {
    this.#add('PUT', url, rest);
  }

  delete(url: string, ...rest: [Handler] | [RouteOptions, Handler]): void {
    this.#add('DELETE', url, rest);
  }

  addHook(name: 'onRequest' | 'onResponse', hook: Hook): void;
  addHook(name: 'onClose', hook: () => void | Promise<void>): void;
  addHook(name: 'onRequest' | 'onResponse' | 'onClose', hook: Hook): void {
    if (name === 'onRequest') this.#onRequest.push(hook);
    else if (name === 'onResponse') this.#onResponse.push(hook);
    else this.#onClose.push(hook as () => void | Promise<void>);
  }

  /** Bind and start serving; resolves once listening. */
  listen(address: { readonly host: string; readonly port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * Stop: from now on every request is a 503; the `onClose` hooks run (the event streams end),
   * then the server closes and drops every connection, idle keep-alive ones included, so
   * closing never waits on a client.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const hook of this.#onClose) await hook();
      await Promise.all([this.server, this.#injectServer].map(closeServer));
    })();
    return this.#closing;
  }

  /**
   * One request through the whole app, for tests: over a loopback connection to a listener
   * of its own (127.0.0.1, a free port, opened on first use and not holding the process
   * open), so every byte takes the path a client's would.
   */
  async inject(request: InjectRequest): Promise<InjectResponse> {
    if (this.#injectServer === undefined) {
      const server = http.createServer();
      this.#serve(server);
      this.#injectServer = server;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      server.unref();
    }
    const { port } = this.#injectServer.address() as AddressInfo;
    const headers: Record<string, string> = { ...request.headers };
    let payload: string | Uint8Array | undefined;
    if (typeof request.payload === 'string' || request.payload instanceof Uint8Array) {
      payload = request.payload;
    } else if (request.payload !== undefined) {
      payload = JSON.stringify(request.payload);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
    // node:http frames a DELETE's body only with a declared length.
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: request.method ?? 'GET',
          path: request.url,
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const rawPayload = Buffer.concat(chunks);
            const body = rawPayload.toString('utf8');
            resolve({
              statusCode: res.statusCode ?? 0,
              headers: res.headers,
              body,
              rawPayload,
              json: () => JSON.parse(body),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  #add(method: string, url: string, rest: [Handler] | [RouteOptions, Handler]): void {
    const [options, handler] = rest.length === 1 ? [{}, rest[0]] : rest;
    const schema = options.schema ?? {};
    const serializers = new Map<number, (data: unknown) => string>();
    for (const [status, s] of Object.entries(schema.response ?? {})) {
      serializers.set(Number(status), compileSerializer(s));
    }
    const checkBody = schema.body === undefined ? undefined : compileSchema(schema.body);
    this.#router.add(method, url, { url, handler, checkBody, serializers });
  }

  async #handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    if (this.#closing !== undefined) {
      new HttpReply(res, undefined, () => {})
        .code(503)
        .header('connection', 'close')
        .send(errorBody(503, 'the agent is shutting down'));
      return;
    }
    const q = url.indexOf('?');
    const found = this.#router.find(method, q < 0 ? url : url.slice(0, q));
    const route = found.kind === 'found' ? found.match.route : undefined;
    const request: HttpRequest & { body: unknown } = {
      method,
      url,
      route: route?.url,
      query: q < 0 ? {} : (querystring.parse(url.slice(q + 1)) as RawQuery),
      params: found.kind === 'found' ? found.match.params : {},
      headers: raw.headers,
      body: undefined,
      raw,
      log: this.log,
    };
    const reply = new HttpReply(res, route, () => this.#notFound(request, reply));
    if (this.#onResponse.length > 0) {
      res.once('finish', () => {
        if (!reply.hijacked) this.#afterResponse(request, reply);
      });
    }
    try {
      for (const hook of this.#onRequest) {
        await hook(request, reply);
        if (reply.sent) return;
      }
      if (found.kind === 'malformed') throw new HttpError(400, `malformed URL: ${cut(url)}`);
      if (found.kind === 'param-too-long') {
        throw new HttpError(414, `path parameter over ${this.#options.paramCharsMax} characters`);
      }
      if (route === undefined) {
        this.#notFound(request, reply);
        return;
      }
      if (method !== 'GET' && method !== 'HEAD' && hasBody(raw)) {
        request.body = await readJsonBody(raw, this.#options.bodyBytesMax);
      }
      if (route.checkBody !== undefined && !route.checkBody(request.body)) {
        const e = route.checkBody.errors?.[0];
        throw new HttpError(400, `body${e?.instancePath ?? ''} ${e?.message ?? 'is invalid'}`);
      }
      const value = await route.handler(request, reply);
      if (reply.sent) return;
      if (value === undefined)
        throw new Error(`${method} ${route.url}: the handler answered nothing`);
      reply.send(value);
    } catch (err) {
      this.#fail(request, reply, err);
    }
  }

  #notFound(request: HttpRequest, reply: HttpReply): void {
    reply.code(404).send(errorBody(404, `no route ${request.method} ${cut(request.url)}`));
  }

  #fail(request: HttpRequest, reply: HttpReply, err: unknown): void {
    const status = err instanceof HttpError ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error(
        { err, method: request.method, url: redactUrl(request.url) },
        'http handler failed',
      );
    }
    if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) {
      // Already answering (or hijacked, or the client is gone): nothing more can be said.
      if (!reply.raw.writableEnded) reply.raw.destroy();
      return;
    }
    // A refused body may still be arriving: do not read the rest on a kept-alive connection.
    if (status === 413) reply.header('connection', 'close');
    reply
      .code(status)
      .send(
        errorBody(
          status,
          status >= 500 ? 'internal error; see the agent log' : (err as HttpError).message,
        ),
      );
  }

  #afterResponse(request: HttpRequest, reply: HttpReply): void {
    for (const hook of this.#onResponse) {
      try {
        const done = hook(request, reply);
        if (done instanceof Promise) done.catch((err) => this.#hookFailed(err));
      } catch (err) {
        this.#hookFailed(err);
      }
    }
  }

  #hookFailed(err: unknown): void {
    this.log.error({ err }, 'http onResponse hook failed');
  }
}

/** The URL for an error message: any token redacted, cut short. */
function cut(url: string): string {
  return redactUrl(url).slice(0, 200);
}

function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
