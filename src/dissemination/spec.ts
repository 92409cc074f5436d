/**
 * The dissemination family packaged for a host: timer kinds, codec, and a node factory.
 * Hosts (simulator, UDP host) take a `ProtocolSpec` and nothing else.
 */

import type { ProtocolSpec } from '../core/protocol.ts';
import {
  DEFAULT_DISSEMINATION_LIMITS,
  type DisseminationLimits,
  disseminationCodec,
} from './codec.ts';
import { type DisseminationConfig, disseminationConfig } from './config.ts';
import type { DisseminationEvent, DisseminationMsg } from './messages.ts';
import {
  DISSEMINATION_TIMERS,
  DisseminationNode,
  type DisseminationTimer,
  disseminationShared,
} from './node.ts';

export type DisseminationSpec = ProtocolSpec<
  DisseminationMsg,
  DisseminationTimer,
  DisseminationEvent,
  DisseminationNode
>;

/** Validates `config` (throws `ConfigError` naming the field) and builds the spec. */
export function disseminationSpec(
  config: Partial<DisseminationConfig> = {},
  limits: Partial<DisseminationLimits> = {},
): DisseminationSpec {
  const c = disseminationConfig(config);
  const l: DisseminationLimits = { ...DEFAULT_DISSEMINATION_LIMITS, ...limits };
  // One per spec: the nodes of one simulation share settings and one-id digests.
  const shared = disseminationShared(c, l);
  return {
    name: c.protocol,
    timerKinds: DISSEMINATION_TIMERS,
    codec: disseminationCodec(l),
    create: () => new DisseminationNode(shared),
  };
}

/** A dissemination node as hosts see it: a protocol plus `publish` and `knows`. */
export type Disseminator = DisseminationNode;
