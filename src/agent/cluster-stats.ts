/**
 * `ClusterStats` from the real stack's counters: the memberlist host's traffic and drop
 * counters and event tally (host-stats.ts), the SWIM node's drops, queue and Lifeguard
 * score, the Serf layer's drops, and the agent's own event/query counts.
 *
 * Pure: a function of snapshots, so `/metrics` can call it on every scrape (it walks the
 * member list once and copies a few small maps) and a test can check it on made-up input.
 *
 * Where the numbers come from:
 *   - probes ok/failed and suspicions: SWIM's `probe-ok`, `probe-failed` and
 *     `member-suspect` events, which the host counts by type as it delivers them;
 *   - messages and bytes: the host's per-type counters (`udp:ping`, `tcp:pushPull`, …),
 *     bytes as they crossed the socket;
 *   - drops: the host's (a peer's fault by `HEARSAY_ERR_*` code, or a local reason),
 *     SWIM's (`swim:<reason>`), and the Serf layer's (`serf:bad-input`,
 *     `serf:user-event-<reason>`, `serf:query-<reason>`). Duplicates are not drops: gossip
 *     delivers every message several times by design, so they are left out;
 *   - broadcast queue depth: memberlist's queue plus Serf's three;
 *   - user events and queries received: Serf deliveries to this node, our own included
 *     (Serf delivers a node's own event to it too).
 */

import type { HostStatsSnapshot } from '../net/host-stats.ts';
import type { QueryStats, SerfStats } from '../serf/index.ts';
import { type AgentMember, type ClusterStats, MEMBER_STATES } from './cluster.ts';

export interface AgentCounters {
  eventsSent: number;
  queriesSent: number;
}

export interface StatsSources {
  readonly members: readonly AgentMember[];
  readonly host: HostStatsSnapshot;
  readonly swimDropped: ReadonlyMap<string, number>;
  readonly serf: SerfStats;
  readonly serfQueries: QueryStats;
  readonly broadcastQueueDepth: number;
  readonly healthScore: number;
  readonly counters: Readonly<AgentCounters>;
}

export function clusterStatsOf(s: StatsSources): ClusterStats {
  const membersByState = Object.fromEntries(MEMBER_STATES.map((state) => [state, 0])) as Record<
    AgentMember['state'],
    number
  >;
  for (const m of s.members) membersByState[m.state]++;
  const events = s.host.events;
  const dropped: Record<string, number> = { ...s.host.droppedByReason };
  for (const [reason, n] of s.swimDropped) dropped[`swim:${reason}`] = n;
  if (s.serf.badInput > 0) dropped['serf:bad-input'] = s.serf.badInput;
  for (const [reason, n] of Object.entries(s.serf.userEventsDropped)) {
    if (reason !== 'duplicate' && n > 0) dropped[`serf:user-event-${reason}`] = n;
  }
  for (const [reason, n] of Object.entries(s.serfQueries.dropped)) {
    if (reason !== 'duplicate' && n > 0) dropped[`serf:query-${reason}`] = n;
  }
  if (s.serfQueries.unroutable > 0) dropped['serf:query-unroutable'] = s.serfQueries.unroutable;
  if (s.serfQueries.relaysRefused > 0) {
    dropped['serf:relay-refused'] = s.serfQueries.relaysRefused;
  }
  return {
    membersByState,
    probes: { ok: events['probe-ok'] ?? 0, failed: events['probe-failed'] ?? 0 },
    suspicions: events['member-suspect'] ?? 0,
    messagesIn: s.host.in.messagesByType,
    messagesOut: s.host.out.messagesByType,
    bytesIn: s.host.in.bytesByType,
    bytesOut: s.host.out.bytesByType,
    dropped,
    broadcastQueueDepth: s.broadcastQueueDepth,
    userEvents: { sent: s.counters.eventsSent, received: events['user-event'] ?? 0 },
    queries: { sent: s.counters.queriesSent, received: events.query ?? 0 },
    healthScore: s.healthScore,
  };
}
