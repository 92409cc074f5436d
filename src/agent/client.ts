/**
 * A client of the agent's HTTP API, for the `hearsay` commands that talk to a running agent
 * (members, event, query, monitor, keys, leave, info) and for programs and tests.
 *
 * What the agent answers is outside input like any other: a body is read up to
 * `responseBytesMax`, an event stream message by message up to `streamMessageCharsMax`,
 * parsed, and checked against the API's shape before anyone relies on it. Every way of
 * failing is an `AgentClientError` whose `reason` says which (the agent is not there, it
 * refused the token, it answered an error, it answered something else), with a one-line
 * message that names the address.
 *
 * Requests go over node:http, not `fetch`: the Fetch standard refuses a list of "bad ports",
 * 6000 and 6667 among them, which are fine ports for an agent. Every request gives up after
 * a silence: `timeoutMs` for a plain request (a query's by its own deadline on top), and
 * `streamIdleMs` for a stream (the agent sends a heartbeat every 15 s, so a stream silent
 * for longer means a vanished agent).
 */

import { type IncomingMessage, request } from 'node:http';
import {
  type AgentMember,
  type AgentMemberState,
  type ClusterKeyAction,
  type ClusterKeysResult,
  type KeyringView,
  MEMBER_STATES,
} from './cluster.ts';
import { formatHostPort, type HostPort } from './config.ts';
import { SseParser } from './http/sse.ts';

export interface AgentClientLimits {
  /** Largest response read; ~200 bytes a member, so room for 100,000 members. */
  readonly responseBytesMax: number;
  /** Members accepted in one list. */
  readonly membersMax: number;
  readonly timeoutMs: number;
  /** A stream with nothing (not even a heartbeat) for this long is given up. */
  readonly streamIdleMs: number;
  /** Longest single message of an event stream. */
  readonly streamMessageCharsMax: number;
}

export const AGENT_CLIENT_LIMITS_DEFAULT: AgentClientLimits = {
  responseBytesMax: 32 * 1024 * 1024,
  membersMax: 100_000,
  timeoutMs: 10_000,
  streamIdleMs: 45_000,
  streamMessageCharsMax: 1024 * 1024,
};

export type AgentClientFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'http-status'
  | 'invalid-response';

export class AgentClientError extends Error {
  readonly reason: AgentClientFailure;
  /** The HTTP status, when the agent answered one. */
  readonly status: number | undefined;
  constructor(
    reason: AgentClientFailure,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.name = 'AgentClientError';
    this.reason = reason;
    this.status = options?.status;
  }
}

/** Where the agent is and the token it wants, if any. */
export interface AgentTarget {
  readonly address: HostPort;
  readonly token?: string | null;
}

export function agentUrl(address: HostPort, path: string): string {
  return `http://${formatHostPort(address)}${path}`;
}

/** The OS error code (ECONNREFUSED…) behind a failed request, when there is one. */
function networkCause(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}

function unreachable(address: HostPort, err: unknown): AgentClientError {
  return new AgentClientError(
    'unreachable',
    `cannot reach the agent at ${formatHostPort(address)} (${networkCause(err)}); is \`hearsay agent\` running with --http ${formatHostPort(address)}?`,
    { cause: err },
  );
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
}

interface Outgoing {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly accept: string;
}

function headersOf(target: AgentTarget, out: Outgoing, bodyText: string | undefined) {
  const headers: Record<string, string> = { accept: out.accept };
  if (bodyText !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(bodyText));
  }
  if (target.token != null) headers.authorization = `Bearer ${target.token}`;
  return headers;
}

/** Send one request; resolves with the response once its headers are in. */
function send(
  target: AgentTarget,
  out: Outgoing,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const bodyText = out.body === undefined ? undefined : JSON.stringify(out.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.address.host,
        port: target.address.port,
        path: out.path,
        method: out.method,
        headers: headersOf(target, out, bodyText),
        timeout: timeoutMs,
        signal,
      },
      resolve,
    );
    req.on('timeout', () => {
      req.destroy(
        new AgentClientError(
          'timeout',
          `the agent at ${formatHostPort(target.address)} did not answer within ${timeoutMs} ms`,
        ),
      );
    });
    req.on('error', (err) => {
      if (err instanceof AgentClientError || signal?.aborted === true) reject(err);
      else reject(unreachable(target.address, err));
    });
    req.end(bodyText);
  });
}

/** Read a whole body, bounded in size; `timeoutMs` bounds the whole exchange. */
async function exchange(
  target: AgentTarget,
  out: Outgoing,
  limits: AgentClientLimits,
): Promise<RawResponse> {
  const url = agentUrl(target.address, out.path);
  const res = await send(target, out, limits.timeoutMs);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    res.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limits.responseBytesMax) {
        res.destroy(
          new AgentClientError(
            'invalid-response',
            `${url} answered more than the ${limits.responseBytesMax}-byte limit`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => {
      resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
    });
    res.on('error', (err) =>
      reject(err instanceof AgentClientError ? err : unreachable(target.address, err)),
    );
  });
}

/** The error for a non-2xx answer, from the agent's `{message}` when it gave one. */
function statusError(url: string, status: number, text: string): AgentClientError {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown } | null)?.message;
  } catch {
    message = undefined;
  }
  const said = typeof message === 'string' ? message : 'no message';
  if (status === 401) {
    return new AgentClientError('unauthorized', `${url} answered 401: ${said}`, { status });
  }
  return new AgentClientError('http-status', `${url} answered ${status}: ${said}`, { status });
}

/** Send a request and parse its JSON answer; a non-2xx status throws. */
export async function requestJson(
  target: AgentTarget,
  method: string,
  path: string,
  body?: unknown,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<unknown> {
  const url = agentUrl(target.address, path);
  const response = await exchange(
    target,
    { method, path, body, accept: 'application/json' },
    limits,
  );
  if (response.status < 200 || response.status > 299) {
    throw statusError(url, response.status, response.text);
  }
  try {
    return JSON.parse(response.text);
  } catch {
    throw new AgentClientError(
      'invalid-response',
      `${url} answered ${response.status} with a body that is not JSON`,
    );
  }
}

/** GET `path` from the agent and parse its JSON; throws `AgentClientError`. */
export function getJson(
  address: HostPort | AgentTarget,
  path: string,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<unknown> {
  return requestJson(targetOf(address), 'GET', path, undefined, limits);
}

function targetOf(a: HostPort | AgentTarget): AgentTarget {
  return 'address' in a ? a : { address: a };
}

/** One message of an event stream, its data parsed. */
export interface StreamMessage {
  readonly event: string;
  readonly data: unknown;
}

/**
 * Send a request whose answer is an event stream; `onMessage` gets each message. Resolves
 * when the agent ends the stream or `signal` aborts; rejects on a refusal (non-2xx), a
 * stream that is not one, or silence longer than `streamIdleMs`.
 */
export async function requestStream(
  target: AgentTarget,
  method: string,
  path: string,
  body: unknown,
  onMessage: (m: StreamMessage) => void,
  signal?: AbortSignal,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<void> {
  const url = agentUrl(target.address, path);
  let res: IncomingMessage;
  try {
    res = await send(
      target,
      { method, path, body, accept: 'text/event-stream' },
      limits.streamIdleMs,
      signal,
    );
  } catch (err) {
    if (signal?.aborted === true) return;
    throw err;
  }
  const status = res.statusCode ?? 0;
  const type = String(res.headers['content-type'] ?? '');
  if (status < 200 || status > 299 || !type.startsWith('text/event-stream')) {
    const text = await new Promise<string>((resolve) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (t.length < 64 * 1024) t += c;
      });
      res.on('end', () => resolve(t));
      res.on('error', () => resolve(t));
    });
    if (status < 200 || status > 299) throw statusError(url, status, text);
    throw new AgentClientError('invalid-response', `${url} did not answer an event stream`);
  }
  const parser = new SseParser(limits.streamMessageCharsMax);
  await new Promise<void>((resolve, reject) => {
    res.setEncoding('utf8');
    const fail = (err: AgentClientError) => {
      res.destroy();
      reject(err);
    };
    res.on('data', (chunk: string) => {
      try {
        for (const m of parser.push(chunk)) {
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            fail(new AgentClientError('invalid-response', `${url} sent an event that is not JSON`));
            return;
          }
          onMessage({ event: m.event, data });
        }
      } catch (err) {
        if (err instanceof AgentClientError) fail(err);
        else fail(new AgentClientError('invalid-response', `${url}: ${(err as Error).message}`));
      }
    });
    res.on('end', () => resolve());
    res.on('close', () => resolve());
    // Once the stream is open, a reset is the agent going away: the stream ended.
    res.on('error', (err) => {
      if (err instanceof AgentClientError) reject(err);
      else resolve();
    });
  });
}

/** Check one decoded member; returns a description of the first problem, or null. */
function memberProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not an object';
  const m = v as Record<string, unknown>;
  if (typeof m.name !== 'string') return 'name is not a string';
  if (typeof m.addr !== 'string') return 'addr is not a string';
  if (!Number.isInteger(m.port) || (m.port as number) < 0 || (m.port as number) > 65_535) {
    return 'port is not an integer in [0, 65535]';
  }
  if (typeof m.tags !== 'object' || m.tags === null || Array.isArray(m.tags)) {
    return 'tags is not an object';
  }
  for (const value of Object.values(m.tags)) {
    if (typeof value !== 'string') return 'a tag value is not a string';
  }
  if (!MEMBER_STATES.includes(m.state as AgentMemberState)) {
    return `state is not one of ${MEMBER_STATES.join(', ')}`;
  }
  return null;
}

/** `GET /v1/members` filters, as `serf members` takes them. */
export interface MembersQuery {
  readonly status?: readonly AgentMemberState[];
  readonly name?: string;
  /** `KEY=REGEX` each. */
  readonly tags?: readonly string[];
}

function membersPath(query: MembersQuery): string {
  const params = new URLSearchParams();
  if (query.status !== undefined && query.status.length > 0) {
    params.set('status', query.status.join(','));
  }
  if (query.name !== undefined) params.set('name', query.name);
  for (const t of query.tags ?? []) params.append('tag', t);
  const text = params.toString();
  return text === '' ? '/v1/members' : `/v1/members?${text}`;
}

/** `GET /v1/members`, validated. */
export async function fetchMembers(
  address: HostPort | AgentTarget,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
  query: MembersQuery = {},
): Promise<AgentMember[]> {
  const target = targetOf(address);
  const path = membersPath(query);
  const body = await requestJson(target, 'GET', path, undefined, limits);
  const url = agentUrl(target.address, path);
  if (!Array.isArray(body)) {
    throw new AgentClientError('invalid-response', `${url} did not answer a JSON array`);
  }
  if (body.length > limits.membersMax) {
    throw new AgentClientError(
      'invalid-response',
      `${url} listed ${body.length} members, over the limit of ${limits.membersMax}`,
    );
  }
  return body.map((item: unknown, i) => {
    const problem = memberProblem(item);
    if (problem !== null) {
      throw new AgentClientError('invalid-response', `${url}: member ${i} ${problem}`);
    }
    const m = item as AgentMember;
    return { name: m.name, addr: m.addr, port: m.port, tags: { ...m.tags }, state: m.state };
  });
}

/** `GET /v1/info`, as served (the stats are the cluster's, passed through). */
export interface AgentInfo {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly state: AgentMemberState;
  readonly version: string;
  readonly members: Readonly<Record<AgentMemberState, number>>;
  readonly stats: Readonly<Record<string, unknown>>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(target: AgentTarget, path: string, what: string): AgentClientError {
  return new AgentClientError('invalid-response', `${agentUrl(target.address, path)} ${what}`);
}

export async function fetchInfo(
  target: AgentTarget,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<AgentInfo> {
  const body = await requestJson(target, 'GET', '/v1/info', undefined, limits);
  // Info opens with this member, in the member shape.
  const problem = memberProblem(body);
  if (!isObject(body) || problem !== null) {
    throw invalid(target, '/v1/info', `did not answer agent info (${problem ?? 'not an object'})`);
  }
  if (typeof body.version !== 'string' || !isObject(body.members) || !isObject(body.stats)) {
    throw invalid(target, '/v1/info', 'did not answer agent info (version, members, stats)');
  }
  for (const s of MEMBER_STATES) {
    if (typeof body.members[s] !== 'number') {
      throw invalid(target, '/v1/info', `did not answer a member count for ${s}`);
    }
  }
  return body as unknown as AgentInfo;
}

/** `POST /v1/events`; resolves with the event's Lamport time. */
export async function sendEvent(
  target: AgentTarget,
  event: { name: string; payload?: string; payloadBase64?: string; coalesce?: boolean },
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<bigint> {
  const body = await requestJson(target, 'POST', '/v1/events', event, limits);
  if (!isObject(body) || typeof body.ltime !== 'string' || !/^\d+$/.test(body.ltime)) {
    throw invalid(target, '/v1/events', 'did not answer {ltime}');
  }
  return BigInt(body.ltime);
}

/** A query as `POST /v1/queries` takes it. */
export interface QueryRequest {
  readonly name: string;
  readonly payload?: string;
  readonly payloadBase64?: string;
  readonly filterNodes?: readonly string[];
  readonly filterTags?: Readonly<Record<string, string>>;
  readonly requestAck?: boolean;
  readonly timeoutMs?: number;
}

/** A response as the API carries it: text when UTF-8, else base64. */
export interface QueryResponseJson {
  readonly from: string;
  readonly payload?: string;
  readonly payloadBase64?: string;
}

export type QueryStreamEvent =
  | { readonly type: 'ack'; readonly from: string }
  | ({ readonly type: 'response' } & QueryResponseJson);

export interface QueryResultJson {
  readonly ltime: string;
  readonly acks: readonly string[];
  readonly responses: readonly QueryResponseJson[];
}

function responseProblem(v: unknown): string | null {
  if (!isObject(v) || typeof v.from !== 'string') return 'a response without from';
  if (v.payload !== undefined && typeof v.payload !== 'string') return 'a payload not a string';
  if (v.payloadBase64 !== undefined && typeof v.payloadBase64 !== 'string') {
    return 'a payloadBase64 not a string';
  }
  return null;
}

function resultOf(target: AgentTarget, v: unknown): QueryResultJson {
  if (
    !isObject(v) ||
    typeof v.ltime !== 'string' ||
    !Array.isArray(v.acks) ||
    !v.acks.every((a) => typeof a === 'string') ||
    !Array.isArray(v.responses) ||
    !v.responses.every((r) => responseProblem(r) === null)
  ) {
    throw invalid(target, '/v1/queries', 'did not answer a query result');
  }
  return v as unknown as QueryResultJson;
}

/**
 * `POST /v1/queries`. With `onReply`, the answer is streamed and each ack and response is
 * reported as it arrives; either way, resolves with the whole result after the deadline.
 */
export async function runQuery(
  target: AgentTarget,
  query: QueryRequest,
  onReply?: (e: QueryStreamEvent) => void,
  signal?: AbortSignal,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<QueryResultJson> {
  if (onReply === undefined) {
    // The agent answers after the deadline: wait that long, and the usual time on top.
    const timeoutMs = limits.timeoutMs + (query.timeoutMs ?? 60_000);
    return resultOf(
      target,
      await requestJson(target, 'POST', '/v1/queries', query, { ...limits, timeoutMs }),
    );
  }
  let result: QueryResultJson | undefined;
  let failure: AgentClientError | undefined;
  await requestStream(
    target,
    'POST',
    '/v1/queries',
    query,
    (m) => {
      if (m.event === 'done') result = resultOf(target, m.data);
      else if (m.event === 'error') {
        const message = isObject(m.data) ? m.data.message : undefined;
        failure = new AgentClientError(
          'http-status',
          `${agentUrl(target.address, '/v1/queries')} refused the query: ${typeof message === 'string' ? message : 'no message'}`,
        );
      } else if (m.event === 'ack' && isObject(m.data) && typeof m.data.from === 'string') {
        onReply({ type: 'ack', from: m.data.from });
      } else if (m.event === 'response' && responseProblem(m.data) === null) {
        onReply({ type: 'response', ...(m.data as unknown as QueryResponseJson) });
      }
    },
    signal,
    { ...limits, streamIdleMs: limits.streamIdleMs + (query.timeoutMs ?? 0) },
  );
  if (failure !== undefined) throw failure;
  if (result === undefined) {
    if (signal?.aborted === true) return { ltime: '0', acks: [], responses: [] };
    throw invalid(target, '/v1/queries', 'ended the stream before the query was done');
  }
  return result;
}

function keyringOf(target: AgentTarget, path: string, v: unknown): KeyringView {
  if (
    !isObject(v) ||
    !(v.primary === null || typeof v.primary === 'string') ||
    !Array.isArray(v.keys) ||
    !v.keys.every((k) => typeof k === 'string')
  ) {
    throw invalid(target, path, 'did not answer a keyring {primary, keys}');
  }
  return { primary: v.primary as string | null, keys: v.keys as string[] };
}

export type KeyAction = 'install' | 'use' | 'remove';

const KEY_ROUTES: Readonly<Record<KeyAction, readonly [string, string]>> = {
  install: ['POST', '/v1/keys'],
  use: ['PUT', '/v1/keys/primary'],
  remove: ['DELETE', '/v1/keys'],
};

/** `GET /v1/keys`, or a change to the keyring (which answers the keyring after it). */
export async function keys(
  target: AgentTarget,
  action?: { readonly type: KeyAction; readonly key: string },
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<KeyringView> {
  if (action === undefined) {
    return keyringOf(
      target,
      '/v1/keys',
      await requestJson(target, 'GET', '/v1/keys', undefined, limits),
    );
  }
  const [method, path] = KEY_ROUTES[action.type];
  return keyringOf(
    target,
    path,
    await requestJson(target, method, path, { key: action.key }, limits),
  );
}

const CLUSTER_KEY_ROUTES: Readonly<Record<ClusterKeyAction, readonly [string, string]>> = {
  list: ['GET', '/v1/cluster/keys'],
  install: ['POST', '/v1/cluster/keys'],
  use: ['PUT', '/v1/cluster/keys/primary'],
  remove: ['DELETE', '/v1/cluster/keys'],
};

/** How long past `timeoutMs` a cluster key operation may take: its query, and others queued before it. */
const CLUSTER_KEYS_WAIT_MS = 60_000;

function isCounts(v: unknown): v is Record<string, number> {
  return (
    isObject(v) && Object.values(v).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  );
}

function clusterKeysOf(target: AgentTarget, path: string, v: unknown): ClusterKeysResult {
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (
    !isObject(v) ||
    !count(v.numNodes) ||
    !count(v.numResp) ||
    !count(v.numErr) ||
    !isObject(v.messages) ||
    !Object.values(v.messages).every((m) => typeof m === 'string') ||
    (v.keys !== undefined && !isCounts(v.keys)) ||
    (v.primaryKeys !== undefined && !isCounts(v.primaryKeys))
  ) {
    throw invalid(target, path, 'did not answer key counts {numNodes, numResp, numErr, messages}');
  }
  return v as unknown as ClusterKeysResult;
}

/**
 * A key operation on every member (`/v1/cluster/keys`, `serf keys`): list, or install, use
 * or remove `key`. Resolves with Serf's counts, failures of members included; the agent
 * answers once every member has (or the query's deadline), so the wait is longer than a
 * plain request's.
 */
export async function clusterKeys(
  target: AgentTarget,
  action: ClusterKeyAction,
  key?: string,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<ClusterKeysResult> {
  const [method, path] = CLUSTER_KEY_ROUTES[action];
  const body = action === 'list' ? undefined : { key };
  const waitLimits = { ...limits, timeoutMs: limits.timeoutMs + CLUSTER_KEYS_WAIT_MS };
  return clusterKeysOf(target, path, await requestJson(target, method, path, body, waitLimits));
}

/** `POST /v1/leave`: the agent leaves gracefully and exits. */
export async function requestLeave(
  target: AgentTarget,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<void> {
  await requestJson(target, 'POST', '/v1/leave', undefined, limits);
}
