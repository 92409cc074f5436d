/**
 * A real in-process agent cluster member for tests: the memberlist host and Serf node behind
 * `createMemberlistCluster`, on 127.0.0.1 with ports 0 and the local profile (overridable
 * through `raw`), its log lines captured. The caller's `open` list collects it so an `after`
 * hook can shut every member down.
 */

import type { AgentCluster } from '../../src/agent/cluster.ts';
import { agentConfigFrom, type LogLevel, type RawAgentSettings } from '../../src/agent/config.ts';
import { createAgentLogger } from '../../src/agent/log.ts';
import { createMemberlistCluster } from '../../src/agent/memberlist-cluster.ts';
import { logSink } from './fake-cluster.ts';

export async function realMember(
  name: string,
  raw: RawAgentSettings,
  open: AgentCluster[],
  level: LogLevel = 'debug',
): Promise<{ cluster: AgentCluster; log: string[] }> {
  const config = agentConfigFrom({
    name,
    bind: '127.0.0.1:0',
    http: '127.0.0.1:0',
    profile: 'local',
    ...raw,
  });
  const sink = logSink();
  const logger = createAgentLogger({ level, json: true, nodeName: name, write: sink.write });
  const cluster = await createMemberlistCluster(config, logger);
  open.push(cluster);
  return { cluster, log: sink.lines };
}
