/**
 * `POST /v1/join`: join this running agent to a cluster through some of its members, as
 * `serf join ADDR…` does (Serf's RPC `join`). The agent's `--join` does the same at start;
 * this is for an agent that is already running (a seed that came up later, a partition
 * healed by hand, a benchmark that separates process start-up from the protocol).
 *
 *   {"addrs": ["IPV4:PORT", …], "replay"?: false}  →  200 {"joined": N}
 *
 * N is how many addresses answered the push/pull (memberlist's join count, what `serf join`
 * prints). The addresses are checked like `--join`'s (an IPv4 literal and a port in 1..65535;
 * names are refused, not resolved, as everywhere on the gossip side), at most
 * `JOIN_ADDRESSES_MAX` of them; a bad one is a 400 naming `body/addrs/I`.
 *
 * `replay` is Serf's `-replay` (deliver the user events the cluster already holds). Only false
 * is accepted: `AgentCluster.join` always joins the way the agent's `--join` does, without
 * replay (the Serf layer underneath can replay, but the cluster seam does not pass it through
 * yet), and quietly joining without replay when asked for it would lose events the caller
 * asked to see. `true` is a 400 saying so.
 *
 * When no address answered, the request was well-formed and this agent is fine, but the
 * members it was sent to are not reachable: that is a gateway's failure, so the answer is
 * `502 Bad Gateway` with the cluster's per-seed reasons (what `serf join` prints), and a join
 * that outlives `timeoutMs` is a `504 Gateway Timeout`. Neither is a 4xx, because repeating the
 * same request later can succeed (4xx tells a client to change its request), and neither is a
 * 500, which this API keeps for faults of the agent itself (and logs). A client that hangs up
 * stops the wait; the join itself is bounded by the cluster (one TCP timeout per attempt).
 *
 * Joins queue inside the cluster one at a time, so at most `inFlightMax` may wait here; the
 * next is a 503, as for queries.
 */

import { isRemoteError } from '../../core/errors.ts';
import type { AgentCluster } from '../cluster.ts';
import { AgentConfigError, type HostPort, JOIN_ADDRESSES_MAX, parseHostPort } from '../config.ts';
import type { HttpApp } from './app.ts';
import { clientErrorOf, errorBody, type HttpErrorBody, httpError } from './errors.ts';

export interface JoinLimits {
  /** Longest a join may take before the answer is a 504 (the agent's `--join` waits 30 s too). */
  readonly timeoutMs: number;
  /** Join requests waiting at once (the cluster runs them one after another). */
  readonly inFlightMax: number;
}

export const JOIN_LIMITS_DEFAULT: JoinLimits = { timeoutMs: 30_000, inFlightMax: 8 };

/** "255.255.255.255:65535" is 21 characters; a little room for the whitespace `--join` trims. */
const ADDR_CHARS_MAX = 64;

const JOIN_SCHEMA = {
  body: {
    type: 'object',
    required: ['addrs'],
    additionalProperties: false,
    properties: {
      addrs: {
        type: 'array',
        minItems: 1,
        maxItems: JOIN_ADDRESSES_MAX,
        items: { type: 'string', minLength: 1, maxLength: ADDR_CHARS_MAX },
      },
      replay: { type: 'boolean' },
    },
  },
} as const;

interface JoinBody {
  readonly addrs: readonly string[];
  readonly replay?: boolean;
}

/** The body of a non-2xx answer whose reason errors.ts does not name. */
function gatewayBody(statusCode: 502 | 504, message: string): HttpErrorBody {
  return {
    ...errorBody(statusCode, message),
    error: statusCode === 502 ? 'Bad Gateway' : 'Gateway Timeout',
  };
}

function seedsOf(body: JoinBody): HostPort[] {
  if (body.replay === true) {
    throw httpError(
      400,
      'body/replay',
      'must be false: this agent joins without replaying old user events (omit it)',
    );
  }
  return body.addrs.map((raw, i) => {
    try {
      return parseHostPort(`body/addrs/${i}`, raw, false);
    } catch (err) {
      if (err instanceof AgentConfigError) throw httpError(400, err.field, err.detail);
      throw err;
    }
  });
}

export function registerJoinRoute(
  app: HttpApp,
  cluster: Pick<AgentCluster, 'join'>,
  limits: JoinLimits = JOIN_LIMITS_DEFAULT,
): void {
  let inFlight = 0;
  app.post('/v1/join', { schema: JOIN_SCHEMA }, async (request, reply) => {
    const seeds = seedsOf(request.body as JoinBody);
    const list = seeds.map((s) => `${s.host}:${s.port}`).join(', ');
    if (inFlight >= limits.inFlightMax) {
      return reply.code(503).send(errorBody(503, 'too many joins in progress; try again later'));
    }
    inFlight += 1;
    const hangUp = new AbortController();
    const onClose = () => {
      if (!reply.sent) hangUp.abort();
    };
    request.raw.socket?.once('close', onClose);
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    try {
      const joined = await cluster.join(seeds, AbortSignal.any([hangUp.signal, timeout]));
      request.log.info({ seeds: list, contacted: joined }, 'joined cluster (POST /v1/join)');
      return { joined };
    } catch (err) {
      if (timeout.aborted) {
        return reply
          .code(504)
          .send(gatewayBody(504, `join ${list}: no answer within ${limits.timeoutMs} ms`));
      }
      // Nobody reads this answer; 499 (nginx's "client closed request") keeps the request
      // metrics honest about why the join was not waited for.
      if (hangUp.signal.aborted) return reply.code(499).send(errorBody(499, 'client hung up'));
      const refused = clientErrorOf(err);
      if (refused !== null) throw refused;
      // The cluster's JoinError (a RemoteError) names each seed and why it failed.
      if (isRemoteError(err)) {
        request.log.info({ seeds: list, err: err.message }, 'join failed (POST /v1/join)');
        return reply.code(502).send(gatewayBody(502, err.message));
      }
      throw err;
    } finally {
      inFlight -= 1;
      request.raw.socket?.off('close', onClose);
    }
  });
}
