/**
 * `GET /v1/info` (who this agent is, member counts by state, the cluster's counters) and
 * `GET /v1/health` (200 `{status: "ok"}`, or 503 `{status: "leaving"}` once a leave has
 * started — asked over HTTP, or shown by the local member's own state — so a load balancer
 * stops sending work to a member on its way out).
 *
 * `stats` is `ClusterStats` as JSON; any bigint in it is written as a decimal string (JSON
 * numbers lose integers past 2^53), today's counters being plain numbers.
 */

import {
  type AgentCluster,
  type AgentClusterServices,
  type AgentMemberState,
  MEMBER_STATES,
} from '../cluster.ts';
import type { HttpApp } from './app.ts';

/** JSON of a value that may hold bigints: each becomes its decimal string. */
export function bigintSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export interface InfoDeps {
  readonly cluster: Pick<AgentCluster, 'local' | 'members'> & Pick<AgentClusterServices, 'stats'>;
  readonly version: string;
  /** True once a leave was requested over HTTP. */
  readonly leaveRequested: () => boolean;
}

export function registerInfoRoutes(app: HttpApp, deps: InfoDeps): void {
  const { cluster } = deps;
  app.get('/v1/info', async () => {
    const self = cluster.local();
    const members = Object.fromEntries(MEMBER_STATES.map((s) => [s, 0])) as Record<
      AgentMemberState,
      number
    >;
    for (const m of cluster.members()) members[m.state] += 1;
    return {
      name: self.name,
      addr: self.addr,
      port: self.port,
      tags: { ...self.tags },
      state: self.state,
      version: deps.version,
      members,
      stats: bigintSafe(cluster.stats()),
    };
  });

  app.get('/v1/health', async (_request, reply) => {
    const state = cluster.local().state;
    if (deps.leaveRequested() || state === 'leaving' || state === 'left') {
      return reply.code(503).send({ status: 'leaving' });
    }
    return { status: 'ok' };
  });
}
