/**
 * An in-memory `AgentCluster` for tests of the layers above it (HTTP API, process glue,
 * `hearsay members`): members are whatever the test puts in, events fire when the test
 * says, and every call is recorded so tests can check the order (leave before shutdown).
 *
 * Also the shared helpers of the HTTP tests: an app over a fake cluster (`httpSetup`) and a
 * reader of server-sent events over a real socket (`openSse`).
 */

import { type IncomingHttpHeaders, request } from 'node:http';
import { after } from 'node:test';
import type {
  AgentCluster,
  AgentClusterServices,
  AgentMember,
  ClusterKeyAction,
  ClusterKeysResult,
  ClusterStats,
  IncomingQuery,
  KeyringView,
  MemberEvent,
  QueryParams,
  QueryReply,
  QueryResult,
  UserEvent,
} from '../../src/agent/cluster.ts';
import type { HostPort } from '../../src/agent/config.ts';
import type { HttpApp } from '../../src/agent/http/app.ts';
import {
  buildHttpServer,
  emptyHttpApp,
  type HttpServerOptions,
  listenHttp,
} from '../../src/agent/http/server.ts';
import { type AgentLogger, createAgentLogger } from '../../src/agent/log.ts';
import { AgentMetrics } from '../../src/agent/metrics.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { JoinError } from '../../src/net/memberlist/join-error.ts';

/** Serf's limit on a user event's name plus payload. */
const EVENT_BYTES_MAX = 512;

export class FakeCluster implements AgentCluster, AgentClusterServices {
  readonly bound: HostPort;
  readonly advertise: HostPort;
  readonly calls: string[] = [];
  membersList: AgentMember[];
  /** What `join` does; default: every seed answers. */
  joinImpl: (seeds: readonly HostPort[], signal?: AbortSignal) => Promise<number> = async (s) =>
    s.length;
  /** What `leave` does; default: done at once. */
  leaveImpl: (signal?: AbortSignal) => Promise<void> = async () => {};
  readonly #listeners = new Set<(e: MemberEvent) => void>();
  readonly #self: AgentMember;

  constructor(self: AgentMember, others: AgentMember[] = []) {
    this.#self = self;
    this.bound = { host: self.addr, port: self.port };
    this.advertise = this.bound;
    this.membersList = [self, ...others];
  }

  /** When set, what `local()` answers (a node that is leaving, say). */
  localOverride: AgentMember | null = null;

  local(): AgentMember {
    return this.localOverride ?? this.#self;
  }

  members(): AgentMember[] {
    this.calls.push('members');
    return this.membersList;
  }

  join(seeds: readonly HostPort[], signal?: AbortSignal): Promise<number> {
    this.calls.push(`join ${seeds.map((s) => `${s.host}:${s.port}`).join(',')}`);
    return this.joinImpl(seeds, signal);
  }

  leave(signal?: AbortSignal): Promise<void> {
    this.calls.push('leave');
    return this.leaveImpl(signal);
  }

  async shutdown(): Promise<void> {
    this.calls.push('shutdown');
  }

  onMemberEvent(listener: (event: MemberEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  fire(event: MemberEvent): void {
    for (const l of this.#listeners) l(event);
  }

  /** Deliver a user event from elsewhere to this node's listeners. */
  fireUserEvent(event: UserEvent): void {
    for (const l of this.#userListeners) l(event);
  }

  /** Listeners of user events, member events and queries: what an idle server holds. */
  get serviceListenerCount(): number {
    return this.#userListeners.size + this.#listeners.size + this.#queryListeners.size;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  // ── services: events go to this node's own listeners; queries are answered by `answers`.

  readonly #userListeners = new Set<(e: UserEvent) => void>();
  readonly #queryListeners = new Set<(q: IncomingQuery) => void>();
  #ltime = 0n;
  /** Replies a query gets, in order (default: an ack and a response from the local node). */
  answers: QueryReply[] | null = null;
  /** When set, what `query` does instead (replies over time, a refusal, a wait on the signal). */
  queryImpl:
    | ((
        params: QueryParams,
        onReply: ((reply: QueryReply) => void) | undefined,
        signal: AbortSignal | undefined,
      ) => Promise<QueryResult>)
    | null = null;
  /** Every event sent and query asked, in order. */
  readonly sentEvents: UserEvent[] = [];
  readonly askedQueries: QueryParams[] = [];
  keyring: { primary: string | null; keys: string[] } = { primary: null, keys: [] };
  statsValue: ClusterStats = emptyStats();

  async sendEvent(name: string, payload: Uint8Array, coalesce: boolean): Promise<bigint> {
    this.calls.push(`event ${name}`);
    if (name.length === 0) throw new ConfigError('name', 'an event needs a name');
    if (Buffer.byteLength(name) + payload.length > EVENT_BYTES_MAX) {
      throw new ConfigError('payload', `name and payload exceed ${EVENT_BYTES_MAX} bytes`);
    }
    this.#ltime++;
    const e: UserEvent = { name, payload, ltime: this.#ltime, coalesce };
    this.sentEvents.push(e);
    for (const l of this.#userListeners) l(e);
    return e.ltime;
  }

  onUserEvent(listener: (event: UserEvent) => void): () => void {
    this.#userListeners.add(listener);
    return () => this.#userListeners.delete(listener);
  }

  async query(
    params: QueryParams,
    onReply?: (reply: QueryReply) => void,
    signal?: AbortSignal,
  ): Promise<QueryResult> {
    this.calls.push(`query ${params.name}`);
    this.askedQueries.push(params);
    if (this.queryImpl !== null) return this.queryImpl(params, onReply, signal);
    this.#ltime++;
    const replies = this.answers ?? [
      { type: 'ack', from: this.#self.name },
      { type: 'response', from: this.#self.name, payload: params.payload },
    ];
    const acks: string[] = [];
    const responses: { from: string; payload: Uint8Array }[] = [];
    for (const r of replies) {
      onReply?.(r);
      if (r.type === 'ack') acks.push(r.from);
      else responses.push({ from: r.from, payload: r.payload });
    }
    return { acks, responses, ltime: this.#ltime };
  }

  onQuery(listener: (query: IncomingQuery) => void): () => void {
    this.#queryListeners.add(listener);
    return () => this.#queryListeners.delete(listener);
  }

  /** Deliver a query to this node's listeners; returns what they answered. */
  fireQuery(name: string, payload: Uint8Array, from = 'peer'): Uint8Array[] {
    const answered: Uint8Array[] = [];
    this.#ltime++;
    const q: IncomingQuery = {
      name,
      payload,
      from,
      ltime: this.#ltime,
      respond: (p) => {
        if (answered.length > 0) return false;
        answered.push(p);
        return true;
      },
    };
    for (const l of this.#queryListeners) l(q);
    return answered;
  }

  listKeys(): KeyringView {
    return { primary: this.keyring.primary, keys: [...this.keyring.keys] };
  }

  async installKey(key: string): Promise<void> {
    this.calls.push('installKey');
    if (!this.keyring.keys.includes(key)) this.keyring.keys.push(key);
    this.keyring.primary ??= key;
  }

  async useKey(key: string): Promise<void> {
    this.calls.push('useKey');
    if (!this.keyring.keys.includes(key)) throw new ConfigError('key', 'not installed');
    this.keyring.primary = key;
  }

  async removeKey(key: string): Promise<void> {
    this.calls.push('removeKey');
    if (this.keyring.primary === key) throw new ConfigError('key', 'cannot remove the primary key');
    this.keyring.keys = this.keyring.keys.filter((k) => k !== key);
  }

  /**
   * When set, what `clusterKeys` does; by default this node is a cluster of one: the
   * operation applies to `keyring`, a refusal is one error under the node's name.
   */
  clusterKeysImpl:
    | ((
        action: ClusterKeyAction,
        key: string | undefined,
        signal: AbortSignal | undefined,
      ) => Promise<ClusterKeysResult>)
    | null = null;

  async clusterKeys(
    action: ClusterKeyAction,
    key?: string,
    signal?: AbortSignal,
  ): Promise<ClusterKeysResult> {
    this.calls.push(`clusterKeys ${action}`);
    if (this.clusterKeysImpl !== null) return this.clusterKeysImpl(action, key, signal);
    const ring = this.keyring;
    if (action === 'list') {
      const one = (k: string) => [k, 1] as const;
      return {
        numNodes: 1,
        numResp: 1,
        numErr: 0,
        messages: {},
        keys: Object.fromEntries(ring.keys.map(one)),
        primaryKeys: ring.primary === null ? {} : Object.fromEntries([one(ring.primary)]),
      };
    }
    if (key === undefined || Buffer.from(key, 'base64').length !== 32) {
      throw new ConfigError('key', 'not a base64 AES key');
    }
    let refusal: string | null = null;
    if (action === 'install') {
      if (!ring.keys.includes(key)) ring.keys.push(key);
      ring.primary ??= key;
    } else if (action === 'use') {
      if (ring.keys.includes(key)) ring.primary = key;
      else refusal = 'key: requested key is not in the keyring';
    } else if (ring.primary === key) {
      refusal = 'key: removing the primary key is not allowed';
    } else {
      ring.keys = ring.keys.filter((k) => k !== key);
    }
    const messages: Record<string, string> = refusal === null ? {} : { [this.#self.name]: refusal };
    return { numNodes: 1, numResp: 1, numErr: refusal === null ? 0 : 1, messages };
  }

  stats(): ClusterStats {
    return this.statsValue;
  }
}

export function emptyStats(): ClusterStats {
  return {
    membersByState: { alive: 0, suspect: 0, leaving: 0, left: 0, failed: 0 },
    probes: { ok: 0, failed: 0 },
    suspicions: 0,
    messagesIn: {},
    messagesOut: {},
    bytesIn: {},
    bytesOut: {},
    dropped: {},
    broadcastQueueDepth: 0,
    userEvents: { sent: 0, received: 0 },
    queries: { sent: 0, received: 0 },
    healthScore: 0,
  };
}

export function member(
  name: string,
  port: number,
  state: AgentMember['state'] = 'alive',
  tags: Record<string, string> = {},
): AgentMember {
  return { name, addr: '127.0.0.1', port, tags, state };
}

/** What a cluster's `join` throws when every seed refused the connection. */
export function refusedJoin(seeds: readonly HostPort[]): JoinError {
  return new JoinError(
    seeds.map((s) => ({
      seed: `${s.host}:${s.port}`,
      endpoint: `${s.host}:${s.port}`,
      reason: 'refused',
      detail: 'connect ECONNREFUSED',
    })),
    seeds.length,
  );
}

/** A logger sink: every line written, for assertions. */
export function logSink(): { readonly lines: string[]; write(text: string): void } {
  const lines: string[] = [];
  return {
    lines,
    write(text) {
      lines.push(text);
    },
  };
}

/** A debug-level JSON logger for `nodeName` writing into a fresh `logSink`. */
export function sinkLogger(nodeName: string): {
  readonly sink: ReturnType<typeof logSink>;
  readonly logger: AgentLogger;
} {
  const sink = logSink();
  const logger = createAgentLogger({ level: 'debug', json: true, nodeName, write: sink.write });
  return { sink, logger };
}

export interface HttpSetup {
  readonly app: HttpApp;
  readonly cluster: FakeCluster;
  readonly sink: { readonly lines: string[] };
  readonly metrics: AgentMetrics;
}

/** An HTTP app over a fake cluster (self `m-self`, tag role=web), logging JSON to a sink. */
function appSetup(
  others: AgentMember[],
  options: Omit<Partial<HttpServerOptions>, 'cluster' | 'logger'>,
): HttpSetup {
  const { sink, logger } = sinkLogger('a');
  const cluster = new FakeCluster(member('m-self', 7946, 'alive', { role: 'web' }), others);
  const metrics =
    options.metrics ?? new AgentMetrics({ stats: () => cluster.stats(), defaultMetrics: false });
  const app = buildHttpServer({ cluster, logger, ...options, metrics });
  return { app, cluster, sink, metrics };
}

/** An app with no routes and the server's limits, for a route module tested on its own. */
export function bareApp(): HttpApp {
  return emptyHttpApp(sinkLogger('a').logger);
}

/**
 * `appSetup` for one test: call it inside the test. The app is closed after that test even
 * when an assertion fails before the test's own close: an open app (a listening socket, the
 * event hub's heartbeat) keeps the file's process alive, and the run would hang instead of
 * failing. (node:test's `after`, called inside a test, runs when that test ends; inside a
 * `before` hook it would run when the hook ends, so shared apps use `listeningSetup`.)
 */
export function httpSetup(
  others: AgentMember[] = [],
  options: Omit<Partial<HttpServerOptions>, 'cluster' | 'logger'> = {},
): HttpSetup {
  const setup = appSetup(others, options);
  after(() => setup.app.close());
  return setup;
}

export interface SseMessage {
  readonly event: string;
  readonly data: unknown;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Messages so far, in order. */
  readonly messages: SseMessage[];
  /** Comment lines so far (`: heartbeat`), without the colon. */
  readonly comments: string[];
  /** The raw text received. */
  text(): string;
  /** Resolves once `test()` holds (checked on each chunk); rejects after `timeoutMs`. */
  until(test: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Parse complete SSE blocks out of `buffer`; returns what is left. */
function parseSse(buffer: string, messages: SseMessage[], comments: string[]): string {
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) messages.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return rest;
}

/** Open a request whose answer is an event stream, on a real socket. */
export function openSse(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { accept: 'text/event-stream', ...options.headers },
      },
      (res) => {
        const messages: SseMessage[] = [];
        const comments: string[] = [];
        let raw = '';
        let pending = '';
        const waiters = new Set<() => void>();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
          pending = parseSse(pending + chunk, messages, comments);
          for (const w of [...waiters]) w();
        });
        const ended = new Promise<void>((done) => {
          res.on('end', () => done());
          res.on('close', () => done());
        });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          messages,
          comments,
          text: () => raw,
          ended,
          until(test, timeoutMs = 5_000) {
            if (test()) return Promise.resolve();
            return new Promise<void>((ok, fail) => {
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`SSE condition not met within ${timeoutMs} ms; got ${raw}`));
              }, timeoutMs);
              const check = () => {
                if (!test()) return;
                clearTimeout(timer);
                waiters.delete(check);
                ok();
              };
              waiters.add(check);
            });
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * `appSetup` on a real socket (127.0.0.1, port 0); `address` is what `--http` takes. The
 * caller closes it: most share one app across a file, made in a `before` hook.
 */
export async function listeningSetup(
  others: AgentMember[] = [],
  options: Omit<Partial<HttpServerOptions>, 'cluster' | 'logger'> = {},
): Promise<HttpSetup & { readonly port: number; readonly address: string }> {
  const setup = appSetup(others, options);
  const { port } = await listenHttp(setup.app, { host: '127.0.0.1', port: 0 });
  return { ...setup, port, address: `127.0.0.1:${port}` };
}
