/**
 * A client of the agent's HTTP API, for `hearsay members` and for programs and tests that
 * talk to a running agent.
 *
 * What the agent answers is outside input like any other: the body is read up to
 * `responseBytesMax`, parsed, and checked member by member against the API's shape before
 * anyone relies on it. Every way of failing is an `AgentClientError` whose `reason` says
 * which (the agent is not there, it answered an error, it answered something else), with a
 * one-line message that names the address.
 */

import { request } from 'node:http';
import { type AgentMember, type AgentMemberState, MEMBER_STATES } from './cluster.ts';
import { formatHostPort, type HostPort } from './config.ts';

export interface AgentClientLimits {
  /** Largest response read; ~200 bytes a member, so room for 100,000 members. */
  readonly responseBytesMax: number;
  /** Members accepted in one list. */
  readonly membersMax: number;
  readonly timeoutMs: number;
}

export const AGENT_CLIENT_LIMITS_DEFAULT: AgentClientLimits = {
  responseBytesMax: 32 * 1024 * 1024,
  membersMax: 100_000,
  timeoutMs: 10_000,
};

export type AgentClientFailure = 'unreachable' | 'timeout' | 'http-status' | 'invalid-response';

export class AgentClientError extends Error {
  readonly reason: AgentClientFailure;
  constructor(reason: AgentClientFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentClientError';
    this.reason = reason;
  }
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

interface RawResponse {
  readonly status: number;
  readonly text: string;
}

/**
 * One GET over node:http (not `fetch`: the Fetch standard refuses a list of "bad ports",
 * 6000 and 6667 among them, which are fine ports for an agent). Bounded in time and size.
 */
function rawGet(address: HostPort, path: string, limits: AgentClientLimits): Promise<RawResponse> {
  const url = agentUrl(address, path);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address.host,
        port: address.port,
        path,
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: limits.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > limits.responseBytesMax) {
            req.destroy(
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
        res.on('error', reject);
      },
    );
    req.on('timeout', () => {
      req.destroy(
        new AgentClientError(
          'timeout',
          `the agent at ${formatHostPort(address)} did not answer within ${limits.timeoutMs} ms`,
        ),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET `path` from the agent and parse its JSON; throws `AgentClientError`. */
export async function getJson(
  address: HostPort,
  path: string,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<unknown> {
  const url = agentUrl(address, path);
  let response: RawResponse;
  try {
    response = await rawGet(address, path, limits);
  } catch (err) {
    if (err instanceof AgentClientError) throw err;
    throw new AgentClientError(
      'unreachable',
      `cannot reach the agent at ${formatHostPort(address)} (${networkCause(err)}); is \`hearsay agent\` running with --http ${formatHostPort(address)}?`,
      { cause: err },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new AgentClientError(
      'invalid-response',
      `${url} answered ${response.status} with a body that is not JSON`,
    );
  }
  if (response.status !== 200) {
    const message = (body as { message?: unknown } | null)?.message;
    throw new AgentClientError(
      'http-status',
      `${url} answered ${response.status}: ${typeof message === 'string' ? message : 'no message'}`,
    );
  }
  return body;
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

/** `GET /v1/members`, validated. */
export async function fetchMembers(
  address: HostPort,
  limits: AgentClientLimits = AGENT_CLIENT_LIMITS_DEFAULT,
): Promise<AgentMember[]> {
  const body = await getJson(address, '/v1/members', limits);
  const url = agentUrl(address, '/v1/members');
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
