/**
 * SWIM configuration: one typed record, three presets with memberlist's values, and a
 * validator.
 *
 * Every timing field has memberlist's meaning (memberlist-wire.md §9, memberlist
 * config.go) and a unit in its name. The presets are memberlist's `DefaultLANConfig`,
 * `DefaultWANConfig` and `DefaultLocalConfig`; the bounds at the end (`membersMax`,
 * `pendingProbesMax`, …) are ours: memberlist leaves those tables unbounded, and a member
 * table fed by strangers must not be.
 *
 * `swimConfig(partial, preset)` fills the preset and checks every field, throwing
 * `ConfigError(field, …)` with the field's name and what it accepts. Hosts validate once at
 * start; the protocol trusts a validated config.
 */

import { ConfigError } from '../../core/errors.ts';
import type { Vsn } from '../wire/messages.ts';

/** memberlist understands protocol versions 1..5 (memberlist-wire.md §7.1). */
export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 5;
/** memberlist's `MetaMaxSize`: node metadata longer than this is refused. */
export const META_BYTES_MAX = 512;
/** Longest node name we accept in our own config, bytes (the decoder's `nameBytesMax`). */
export const NAME_BYTES_MAX = 512;

export interface SwimConfig {
  /** Node name: the identity, unique in the cluster. 1..512 bytes of UTF-8. */
  readonly name: string;
  /** Advertised IP, 4 (IPv4) or 16 (IPv6) bytes: where peers reach us (alive `Addr`). */
  readonly advertiseIp: Uint8Array;
  /** Advertised UDP/TCP port, 1..65535 (memberlist's `AdvertisePort`, default 7946). */
  readonly advertisePort: number;

  /**
   * Base probe period, ms. One member is probed per period, round robin; Lifeguard
   * awareness multiplies it by (score + 1) while we are unhealthy. Lower detects failures
   * sooner at the cost of more probe traffic (one ping/ack per node per period).
   */
  readonly probeIntervalMs: number;
  /**
   * How long a direct ping waits for its ack before indirect probes start, ms. Never
   * scaled by awareness. Should be above the 99th percentile RTT; must be below
   * `probeIntervalMs`.
   */
  readonly probeTimeoutMs: number;
  /** Helpers asked to ping a silent target on our behalf (SWIM's k). 0 disables. */
  readonly indirectChecks: number;
  /**
   * Gossip retransmissions: each queued broadcast is sent at most
   * `retransmitMult × ceil(log10(n + 1))` times (4 per message for n ≤ 9 on LAN).
   */
  readonly retransmitMult: number;
  /**
   * Suspicion timeout multiplier: min timeout =
   * `suspicionMult × max(1, log10(n)) × probeIntervalMs`; Lifeguard expects
   * `suspicionMult − 2` independent confirmations.
   */
  readonly suspicionMult: number;
  /** Lifeguard: the suspicion timeout starts at `suspicionMaxTimeoutMult × min`. */
  readonly suspicionMaxTimeoutMult: number;
  /**
   * Anti-entropy period, ms: a full state exchange with one random alive member, scaled up
   * for clusters above 32 nodes (× (ceil(log2 n − 5) + 1)). 0 disables periodic push/pull.
   */
  readonly pushPullIntervalMs: number;
  /** Gossip period, ms: queued broadcasts go to `gossipNodes` random members. 0 disables. */
  readonly gossipIntervalMs: number;
  /** Members gossiped to per gossip period. */
  readonly gossipNodes: number;
  /**
   * How long dead members still receive gossip (so a falsely declared node hears it and
   * refutes), ms; dead entries older than this leave the table at the next probe wrap.
   */
  readonly gossipToTheDeadMs: number;
  /** Lifeguard: the awareness score ranges over [0, awarenessMaxMultiplier − 1]. 1 disables. */
  readonly awarenessMaxMultiplier: number;
  /** Deadline of a TCP exchange (push/pull, join), ms. */
  readonly tcpTimeoutMs: number;
  /** Do not fall back to a TCP ping (for peers with protocol max ≥ 3) when UDP probes fail. */
  readonly disableTcpPings: boolean;
  /**
   * A dead member's name may be taken by a new address after this long dead, ms; 0 = never
   * (memberlist's default: only a *left* member's name can move at once).
   */
  readonly deadNodeReclaimMs: number;
  /** LZW-compress outgoing packets when shorter, and every stream. Receivers accept both. */
  readonly enableCompression: boolean;
  /** UDP packet budget for piggybacking and gossip, bytes (memberlist `UDPBufferSize`). */
  readonly udpBufferBytes: number;
  /**
   * Bytes the host's encryption adds to each packet: 0 without a keyring, 29 with AES-GCM
   * version 1 (45 for version 0). Set by the host; subtracted from the packet budget.
   */
  readonly encryptionOverheadBytes: number;
  /** Extra join rounds after the first when every seed failed (0 = one attempt only). */
  readonly joinRetries: number;
  /** Wait before the first retry, ms; doubles on each further retry. */
  readonly joinBackoffMs: number;
  /**
   * A hearsay extension, 0 (off) in every preset, as memberlist has no such thing: this long
   * after a join succeeds, one extra push/pull with a random alive member. It catches what
   * the join's own push/pull could not carry, the members that joined after it: their alive
   * broadcasts are sent `retransmitMult × ceil(log10(n + 1))` times each, to random members,
   * so when many join at once one member can miss one, and would otherwise wait for the
   * periodic push/pull (30 s to minutes). Set it past the time a broadcast takes to spread
   * (a few gossip periods × the retransmit limit). Costs one full-state exchange per join.
   */
  readonly joinSyncDelayMs: number;
  /**
   * A hearsay extension, 0 (off) in every preset: a member that pings this node by name (its
   * ping's `SourceNode`) while this node does not list it alive or suspect knows of a member
   * this node missed, so this node runs a push/pull with it: at most one such exchange per
   * this interval, scaled with the cluster's size as `pushPullIntervalMs` is. It costs
   * nothing while every member's table is complete, and heals what a missed alive broadcast
   * or a healed partition left behind before the periodic push/pull comes round. Pings are
   * authenticated when encryption is on; without it a forged ping buys at most one exchange
   * per interval.
   */
  readonly strangerSyncIntervalMs: number;
  /**
   * A hearsay extension, 0 (off) in every preset: members join in bursts, and a member that
   * missed one alive broadcast of a burst still hears most of the others. So once this long
   * has passed since the last member this node learnt of by gossip (not by a push/pull), it
   * runs one push/pull with a random alive member, which hands over whatever it missed. It
   * covers the joins the join sync cannot, those that come after this node's own join sync.
   * Nothing runs when a push/pull this node started since that last arrival already carried
   * the full state, and at most one such exchange per ten times this delay, scaled with the
   * cluster's size as `pushPullIntervalMs` is (30 s, or 60 s at 64 members, with 3 s).
   */
  readonly joinBurstSyncDelayMs: number;
  /**
   * Longest wait for our leave broadcast to be sent its full number of times, ms (Serf's
   * `BroadcastTimeout`, 5 s). `left` is emitted at the latest then.
   */
  readonly leaveTimeoutMs: number;

  /** memberlist protocol range we understand and the version we speak: 1 ≤ min ≤ cur ≤ max ≤ 5. */
  readonly protocolVersionMin: number;
  readonly protocolVersionMax: number;
  readonly protocolVersion: number;
  /** The delegate's (Serf's) version range and current version, 0..255 each (Serf: 2, 5, 5). */
  readonly delegateVersionMin: number;
  readonly delegateVersionMax: number;
  readonly delegateVersion: number;

  /** Most entries in the member table (self included); alive messages about new names beyond it are dropped. */
  readonly membersMax: number;
  /** Most probes of ours awaiting an ack (own probes and helper probes together). */
  readonly pendingProbesMax: number;
  /** Most outgoing TCP exchanges (push/pull, join) in flight. */
  readonly pushPullsInFlightMax: number;
  /** Most messages in the broadcast queue; the oldest, most-sent ones go first beyond it. */
  readonly broadcastsMax: number;
}

const BASE_PORT = 7946;

/** memberlist `DefaultLANConfig`: the Serf agent's default profile. */
export const LAN_CONFIG: SwimConfig = Object.freeze({
  name: 'node',
  advertiseIp: new Uint8Array([127, 0, 0, 1]),
  advertisePort: BASE_PORT,
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  pushPullIntervalMs: 30_000,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  awarenessMaxMultiplier: 8,
  tcpTimeoutMs: 10_000,
  disableTcpPings: false,
  deadNodeReclaimMs: 0,
  enableCompression: true,
  udpBufferBytes: 1400,
  encryptionOverheadBytes: 0,
  joinRetries: 0,
  joinBackoffMs: 1000,
  joinSyncDelayMs: 0,
  strangerSyncIntervalMs: 0,
  joinBurstSyncDelayMs: 0,
  leaveTimeoutMs: 5000,
  protocolVersionMin: PROTOCOL_VERSION_MIN,
  protocolVersionMax: PROTOCOL_VERSION_MAX,
  protocolVersion: 2,
  delegateVersionMin: 2,
  delegateVersionMax: 5,
  delegateVersion: 5,
  membersMax: 65_536,
  pendingProbesMax: 1024,
  pushPullsInFlightMax: 128,
  broadcastsMax: 65_536,
});

/** memberlist `DefaultWANConfig`: slower probes and gossip for high-latency links. */
export const WAN_CONFIG: SwimConfig = Object.freeze({
  ...LAN_CONFIG,
  tcpTimeoutMs: 30_000,
  suspicionMult: 6,
  pushPullIntervalMs: 60_000,
  probeTimeoutMs: 3000,
  probeIntervalMs: 5000,
  gossipNodes: 4,
  gossipIntervalMs: 500,
  gossipToTheDeadMs: 60_000,
});

/** memberlist `DefaultLocalConfig`: loopback or one rack, fast and lean. */
export const LOCAL_CONFIG: SwimConfig = Object.freeze({
  ...LAN_CONFIG,
  tcpTimeoutMs: 1000,
  indirectChecks: 1,
  retransmitMult: 2,
  suspicionMult: 3,
  pushPullIntervalMs: 15_000,
  probeTimeoutMs: 200,
  probeIntervalMs: 1000,
  gossipIntervalMs: 100,
  gossipToTheDeadMs: 15_000,
});

export const SWIM_PRESETS = { lan: LAN_CONFIG, wan: WAN_CONFIG, local: LOCAL_CONFIG } as const;

/** Our `Vsn` as advertised in alive messages and push/pull node states. */
export function vsnOf(c: SwimConfig): Vsn {
  return [
    c.protocolVersionMin,
    c.protocolVersionMax,
    c.protocolVersion,
    c.delegateVersionMin,
    c.delegateVersionMax,
    c.delegateVersion,
  ];
}

// ---------------------------------------------------------------------------------------
// Validation

const DAY_MS = 86_400_000;

type IntField = {
  [K in keyof SwimConfig]: SwimConfig[K] extends number ? K : never;
}[keyof SwimConfig];

/** [min, max] per integer field; the reason for a bound is in the field's doc. */
const INT_RANGES: { readonly [K in IntField]: readonly [number, number] } = {
  advertisePort: [1, 65_535],
  probeIntervalMs: [1, DAY_MS],
  probeTimeoutMs: [1, DAY_MS],
  indirectChecks: [0, 64],
  retransmitMult: [1, 1000],
  suspicionMult: [1, 1000],
  suspicionMaxTimeoutMult: [1, 1000],
  pushPullIntervalMs: [0, DAY_MS],
  gossipIntervalMs: [0, DAY_MS],
  gossipNodes: [0, 1024],
  gossipToTheDeadMs: [0, DAY_MS],
  awarenessMaxMultiplier: [1, 1000],
  tcpTimeoutMs: [1, DAY_MS],
  deadNodeReclaimMs: [0, DAY_MS],
  udpBufferBytes: [64, 65_507],
  encryptionOverheadBytes: [0, 1024],
  joinRetries: [0, 1000],
  joinBackoffMs: [0, DAY_MS],
  joinSyncDelayMs: [0, DAY_MS],
  strangerSyncIntervalMs: [0, DAY_MS],
  joinBurstSyncDelayMs: [0, DAY_MS],
  leaveTimeoutMs: [0, DAY_MS],
  protocolVersionMin: [PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX],
  protocolVersionMax: [PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX],
  protocolVersion: [PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX],
  delegateVersionMin: [0, 255],
  delegateVersionMax: [0, 255],
  delegateVersion: [0, 255],
  membersMax: [1, 1 << 24],
  pendingProbesMax: [1, 1 << 20],
  pushPullsInFlightMax: [1, 1 << 16],
  broadcastsMax: [1, 1 << 24],
};

const BOOL_FIELDS = ['disableTcpPings', 'enableCompression'] as const;

const utf8 = new TextEncoder();

/**
 * Fills `partial` from `preset` (default LAN) and validates every field. Throws
 * `ConfigError` naming the first bad field and what it accepts.
 */
export function swimConfig(
  partial: Partial<SwimConfig> = {},
  preset: SwimConfig = LAN_CONFIG,
): SwimConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in LAN_CONFIG)) throw new ConfigError(key, 'is not a SWIM configuration field');
  }
  const c: SwimConfig = { ...preset, ...stripUndefined(partial) };

  if (typeof c.name !== 'string' || c.name.length === 0 || !c.name.isWellFormed()) {
    throw new ConfigError('name', `must be a non-empty, well-formed string, got ${show(c.name)}`);
  }
  const nameBytes = utf8.encode(c.name).length;
  if (nameBytes > NAME_BYTES_MAX) {
    throw new ConfigError(
      'name',
      `must be at most ${NAME_BYTES_MAX} bytes of UTF-8, got ${nameBytes}`,
    );
  }
  if (
    !(c.advertiseIp instanceof Uint8Array) ||
    (c.advertiseIp.length !== 4 && c.advertiseIp.length !== 16)
  ) {
    throw new ConfigError('advertiseIp', 'must be a Uint8Array of 4 (IPv4) or 16 (IPv6) bytes');
  }
  for (const field of Object.keys(INT_RANGES) as IntField[]) {
    const [min, max] = INT_RANGES[field];
    const v = c[field];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new ConfigError(field, `must be an integer in [${min}, ${max}], got ${show(v)}`);
    }
  }
  for (const field of BOOL_FIELDS) {
    if (typeof c[field] !== 'boolean') {
      throw new ConfigError(field, `must be true or false, got ${show(c[field])}`);
    }
  }
  if (c.probeTimeoutMs >= c.probeIntervalMs) {
    throw new ConfigError(
      'probeTimeoutMs',
      `must be below probeIntervalMs (${c.probeIntervalMs}), got ${c.probeTimeoutMs}`,
    );
  }
  if (c.protocolVersionMin > c.protocolVersionMax) {
    throw new ConfigError(
      'protocolVersionMin',
      `must be ≤ protocolVersionMax (${c.protocolVersionMax}), got ${c.protocolVersionMin}`,
    );
  }
  if (c.protocolVersion < c.protocolVersionMin || c.protocolVersion > c.protocolVersionMax) {
    throw new ConfigError(
      'protocolVersion',
      `must be in [protocolVersionMin, protocolVersionMax] = [${c.protocolVersionMin}, ${c.protocolVersionMax}], got ${c.protocolVersion}`,
    );
  }
  if (c.delegateVersionMin > c.delegateVersionMax) {
    throw new ConfigError(
      'delegateVersionMin',
      `must be ≤ delegateVersionMax (${c.delegateVersionMax}), got ${c.delegateVersionMin}`,
    );
  }
  if (c.delegateVersion < c.delegateVersionMin || c.delegateVersion > c.delegateVersionMax) {
    throw new ConfigError(
      'delegateVersion',
      `must be in [delegateVersionMin, delegateVersionMax] = [${c.delegateVersionMin}, ${c.delegateVersionMax}], got ${c.delegateVersion}`,
    );
  }
  return Object.freeze(c);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
