/**
 * The Serf harness: real HashiCorp Serf agents for interop tests and benchmarks.
 * agent.ts (one agent), cluster.ts (n agents joined through a seed), rpc-client.ts (the
 * agent's RPC protocol, for cheap polling), wait-for.ts (polling with a deadline),
 * serf-binary.ts (find or install `serf`), ports.ts, cleanup.ts.
 */

export {
  type ExitInfo,
  type LogLine,
  SerfAgent,
  type SerfAgentOptions,
  type SerfMember,
  type SerfProfile,
  startSerfAgent,
} from './agent.ts';
export { SerfCluster, type SerfClusterOptions, startSerfCluster } from './cluster.ts';
export { type RpcMember, SerfRpcClient } from './rpc-client.ts';
export { ensureSerf, findSerf, type SerfAvailability } from './serf-binary.ts';
export { type WaitForOptions, WaitTimeoutError, waitFor } from './wait-for.ts';
