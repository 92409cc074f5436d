/**
 * SWIM packaged for a host: timer kinds, codec, node factory, and the simulator's address
 * map.
 *
 * The simulator numbers nodes 0..n−1; memberlist names peers by IP and port. `simAddressMap`
 * is a pure bijection between the two (node i is 10.(i>>16).(i>>8 & 255).(i & 255):7946),
 * so no table is kept for a million nodes; addresses outside the cluster map to `NO_PEER`
 * and the node drops whatever names them.
 *
 * The codec: a `SwimMessage` is either a UDP packet or one side of a TCP exchange, and the
 * two encodings differ only for user messages (a stream adds a length header) and for what
 * sits inside a compress wrapper. A host that knows the transport (the real memberlist host
 * does) calls `encodeSwimMessage(msg, reliable)`; the codec's own `encode` picks the stream
 * form for the stream-only messages (pushPull, err, compressed or not) and the packet form
 * for the rest, which is exact for everything our node sends except a reliable user
 * message. `decode` mirrors it. `sizeOf` is exact (see `sizes.ts`).
 */

import { isRemoteError } from '../../core/errors.ts';
import { type Codec, NO_PEER, type NodeId, type ProtocolSpec } from '../../core/protocol.ts';
import type { AddressMap, MemberAddress, SwimMessage } from '../types.ts';
import { DEFAULT_MEMBERLIST_LIMITS, type MemberlistLimits } from '../wire/limits.ts';
import { MESSAGE_TYPE, type Packet, type Stream } from '../wire/messages.ts';
import { decodePacket, encodePacket } from '../wire/packet-codec.ts';
import { decodeStream, encodeStream } from '../wire/stream-codec.ts';
import { LAN_CONFIG, type SwimConfig, swimConfig } from './config.ts';
import type { SwimEvent } from './events.ts';
import {
  type InitialMember,
  SWIM_TIMERS,
  type SwimContext,
  type SwimDeps,
  SwimNode,
  type SwimTimer,
} from './node.ts';
import { NESTING_DEPTH_MAX } from './shape.ts';
import { isStreamOnly, swimMessageBytes } from './sizes.ts';

export const SIM_PORT = 7946;
/** The arithmetic map covers 2^24 nodes (the 10.0.0.0/8 block). */
export const SIM_NODES_MAX = 1 << 24;

/** Node i's address in the simulator. */
export function simAddressOf(id: NodeId): MemberAddress {
  return {
    ip: new Uint8Array([10, (id >> 16) & 255, (id >> 8) & 255, id & 255]),
    port: SIM_PORT,
  };
}

/** The simulator's stateless address map for a cluster of `nodes` nodes. */
export function simAddressMap(nodes: number = SIM_NODES_MAX): AddressMap {
  return {
    idOf(ip: Uint8Array, port: number): NodeId {
      if (ip.length !== 4 || ip[0] !== 10 || port !== SIM_PORT) return NO_PEER;
      const id = (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!;
      return id < nodes ? id : NO_PEER;
    },
    addressOf(id: NodeId): MemberAddress | undefined {
      return Number.isInteger(id) && id >= 0 && id < nodes ? simAddressOf(id) : undefined;
    },
  };
}

/** Node i's name in the simulator. */
export function simNodeName(id: NodeId): string {
  return `node-${id}`;
}

/**
 * A validated config for simulated node `id`: its sim name and address over `preset`
 * (LAN by default) and `overrides`.
 */
export function simSwimConfig(
  id: NodeId,
  overrides: Partial<SwimConfig> = {},
  preset: SwimConfig = LAN_CONFIG,
): SwimConfig {
  const a = simAddressOf(id);
  return swimConfig(
    { name: simNodeName(id), advertiseIp: a.ip, advertisePort: a.port, ...overrides },
    preset,
  );
}

/** Encodes a message for the transport it travels on: a stream when sent reliably. */
export function encodeSwimMessage(msg: SwimMessage, reliable: boolean): Uint8Array {
  if (reliable || isStream(msg)) return encodeStream(msg as Stream);
  return encodePacket(msg as Packet);
}

function isStream(msg: SwimMessage): boolean {
  return isStreamOnly(msg) || (msg.type === 'compress' && isStreamOnly(msg.message));
}

/**
 * The label counted per message: the primary message, wrappers removed (a compound counts as
 * its first part: the probe message that the rest is piggybacked on, or the first broadcast).
 * Total on any object, so that a host can count even what it is about to drop.
 */
export function swimTypeOf(msg: SwimMessage): string {
  let m: unknown = msg;
  for (let depth = 0; depth <= NESTING_DEPTH_MAX; depth++) {
    if (typeof m !== 'object' || m === null) return 'invalid';
    const o = m as { type?: unknown; message?: unknown; parts?: unknown };
    if (o.type === 'hasCrc' || o.type === 'compress') m = o.message;
    else if (o.type === 'compound') {
      if (!Array.isArray(o.parts) || o.parts.length === 0) return 'compound';
      m = o.parts[0];
    } else return typeof o.type === 'string' ? o.type : 'invalid';
  }
  return 'invalid';
}

/**
 * `swimMessageBytes`, total: a hand-made object that is not a valid message (which only a
 * test or a buggy host can produce: decoded messages are valid) weighs 0 instead of
 * throwing inside the host.
 */
function sizeOfAny(msg: SwimMessage): number {
  try {
    return swimMessageBytes(msg);
  } catch {
    return 0;
  }
}

export function swimCodec(
  limits: MemberlistLimits = DEFAULT_MEMBERLIST_LIMITS,
): Codec<SwimMessage> {
  return {
    encode: (msg) => encodeSwimMessage(msg, false),
    decode(bytes) {
      const first = bytes[0];
      if (first === MESSAGE_TYPE.pushPull || first === MESSAGE_TYPE.err) {
        return decodeStream(bytes, limits);
      }
      try {
        return decodePacket(bytes, limits);
      } catch (e) {
        // A compressed push/pull or err: stream-only inside the wrapper.
        if (first === MESSAGE_TYPE.compress && isRemoteError(e)) return decodeStream(bytes, limits);
        throw e;
      }
    },
    sizeOf: sizeOfAny,
    typeOf: swimTypeOf,
  };
}

export type SwimSpec = ProtocolSpec<SwimMessage, SwimTimer, SwimEvent, SwimNode>;

export interface SwimSpecOptions {
  /** Address map; default `simAddressMap(nodes)`. */
  readonly addresses?: AddressMap;
  /** Cluster size, bounding the default address map (default 2^24). */
  readonly nodes?: number;
  /** Per-node delegate (the layer above), if any. */
  readonly delegateFor?: (id: NodeId) => SwimDeps['delegate'];
  readonly limits?: MemberlistLimits;
  /**
   * Experiments only: every node starts knowing the whole cluster of `nodes` as alive
   * (`SwimDeps.initialMembers`), so a run starts converged, without the join storm.
   */
  readonly startConverged?: boolean;
}

/** The SWIM protocol for a host; `configFor(id)` gives each node its (validated) config. */
export function swimSpec(
  configFor: (id: NodeId) => SwimConfig,
  opts: SwimSpecOptions = {},
): SwimSpec {
  const addresses = opts.addresses ?? simAddressMap(opts.nodes);
  let everyone: InitialMember[] | null = null;
  const initialMembers = (): readonly InitialMember[] => {
    if (everyone === null) {
      const n = opts.nodes ?? 0;
      everyone = [];
      for (let j = 0; j < n; j++) everyone.push({ name: configFor(j).name, ...simAddressOf(j) });
    }
    return everyone;
  };
  return {
    name: 'swim',
    timerKinds: SWIM_TIMERS,
    codec: swimCodec(opts.limits),
    create: (id) =>
      new SwimNode(configFor(id), {
        addresses,
        delegate: opts.delegateFor?.(id),
        initialMembers: opts.startConverged === true ? initialMembers : undefined,
      }),
  };
}

export type { SwimContext };
