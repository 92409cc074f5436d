/**
 * The Serf layer's public surface, for hosts and the agent: the node, its config, its
 * events and timers, and the host packaging. Internals (tables, queues, rings) stay behind
 * their modules.
 */

export {
  DEFAULT_SERF_CONFIG,
  SERF_PROTOCOL_MAX,
  SERF_PROTOCOL_MIN,
  type SerfConfig,
  type SerfConfigInput,
  serfConfig,
} from './config.ts';
export { SERF_TIMERS, type SerfContext, type SerfNodeEvent, type SerfTimer } from './context.ts';
export type {
  SerfBadInputEvent,
  SerfConflictLost,
  SerfEvent,
  SerfInputSource,
  SerfLeftEvent,
  SerfMember,
  SerfMemberEvent,
  SerfMemberStatus,
  SerfQueryAnswer,
  SerfQueryDone,
  SerfQueryReceived,
  SerfUserEventDelivered,
} from './events.ts';
export { isKeyQuery, KEY_QUERY, type SerfKeyring } from './key-queries.ts';
export { type SerfDeps, SerfNode, type SerfState, type SerfStats } from './node.ts';
export type { QueryParams } from './queries.ts';
export type { QueryStats } from './query-engine.ts';
export {
  SERF_NODE_TIMERS,
  type SerfNodeConfig,
  type SerfSpec,
  type SerfSpecOptions,
  serfSpec,
  simSerfConfig,
} from './spec.ts';
export type { MemberEventType, SerfStatus } from './status.ts';
