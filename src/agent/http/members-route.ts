/**
 * `GET /v1/members`: every member this agent knows, itself included, as a JSON array of
 * `{name, addr, port, tags, state}` sorted by name (a stable order for people and diffs),
 * optionally filtered by `status`, `name` and `tag` as `serf members` filters
 * (member-filter.ts).
 *
 * The response schema is the API's contract: the answer is cut to it (app.ts) (so a field the
 * cluster adds later does not leak out unannounced) and docs/agent.md shows the same shape.
 */

import { type AgentCluster, type AgentMember, MEMBER_STATES } from '../cluster.ts';
import type { HttpApp, RawQuery } from './app.ts';
import { type MemberFilterLimits, memberFilter } from './member-filter.ts';

export const MEMBER_SCHEMA = {
  type: 'object',
  required: ['name', 'addr', 'port', 'tags', 'state'],
  properties: {
    name: { type: 'string' },
    addr: { type: 'string' },
    port: { type: 'integer' },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
    state: { type: 'string', enum: [...MEMBER_STATES] },
  },
} as const;

export function sortedMembers(members: readonly AgentMember[]): AgentMember[] {
  return [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function registerMembersRoute(
  app: HttpApp,
  cluster: Pick<AgentCluster, 'members'>,
  limits: MemberFilterLimits,
): void {
  app.get(
    '/v1/members',
    { schema: { response: { 200: { type: 'array', items: MEMBER_SCHEMA } } } },
    async (request) => {
      const keep = memberFilter(request.query as RawQuery, limits);
      return sortedMembers(cluster.members().filter(keep));
    },
  );
}
