/**
 * The Serf layer packaged for a host: timer kinds (SWIM's and Serf's), the codec (SWIM's:
 * Serf's messages travel inside memberlist user messages and push/pull state), and a node
 * factory. `simSerfConfig` gives simulated node i its name and address, like
 * `simSwimConfig`.
 */

import type { NodeId, ProtocolSpec } from '../core/protocol.ts';
import { LAN_CONFIG, type SwimConfig } from '../membership/swim/config.ts';
import { SWIM_TIMERS, type SwimTimer } from '../membership/swim/node.ts';
import { simAddressMap, simNodeName, simSwimConfig, swimCodec } from '../membership/swim/spec.ts';
import type { AddressMap, SwimMessage } from '../membership/types.ts';
import type { MemberlistLimits } from '../membership/wire/limits.ts';
import { type SerfConfig, type SerfConfigInput, serfConfig } from './config.ts';
import { SERF_TIMERS, type SerfNodeEvent, type SerfTimer } from './context.ts';
import { SerfNode } from './node.ts';

/** One Serf node's configuration: Serf's own, and the memberlist (SWIM) one under it. */
export interface SerfNodeConfig {
  readonly serf: SerfConfig;
  /** `name` and the delegate versions are overridden from `serf`. */
  readonly swim: SwimConfig;
}

export const SERF_NODE_TIMERS: readonly (SwimTimer | SerfTimer)[] = [
  ...SWIM_TIMERS,
  ...SERF_TIMERS,
];

export type SerfSpec = ProtocolSpec<SwimMessage, SwimTimer | SerfTimer, SerfNodeEvent, SerfNode>;

export interface SerfSpecOptions {
  /** Address map; default `simAddressMap(nodes)`. */
  readonly addresses?: AddressMap;
  /** Cluster size, bounding the default address map. */
  readonly nodes?: number;
  /** memberlist decode limits for the codec. */
  readonly limits?: MemberlistLimits;
}

/** Serf for a host; `configFor(id)` gives each node its validated configs. */
export function serfSpec(
  configFor: (id: NodeId) => SerfNodeConfig,
  opts: SerfSpecOptions = {},
): SerfSpec {
  const addresses = opts.addresses ?? simAddressMap(opts.nodes);
  return {
    name: 'serf',
    timerKinds: SERF_NODE_TIMERS,
    codec: swimCodec(opts.limits),
    create: (id) => {
      const c = configFor(id);
      return new SerfNode(c.serf, c.swim, { addresses });
    },
  };
}

/**
 * A validated config for simulated node `id`: its sim name (`node-<id>`) and address,
 * Serf's fields from `serf`, memberlist's from `swim` over `preset` (LAN by default).
 */
export function simSerfConfig(
  id: NodeId,
  serf: Partial<SerfConfigInput> = {},
  swim: Partial<SwimConfig> = {},
  preset: SwimConfig = LAN_CONFIG,
): SerfNodeConfig {
  const name = simNodeName(id);
  return {
    serf: serfConfig({ ...serf, name }),
    swim: simSwimConfig(id, { ...swim, name }, preset),
  };
}
