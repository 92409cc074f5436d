/**
 * Configuration of the Serf layer, field by field, with Serf's defaults (serf-layer.md
 * §11; Serf 0.9.x `DefaultConfig()` and the agent's defaults) and a validator that names
 * the field and the accepted range.
 *
 * Only Serf's own settings live here. The memberlist settings under it (timing profile,
 * addresses) are the SWIM layer's config; `serfConfig` is validated on its own so that a
 * bad Serf field is reported before anything starts.
 */

import { ConfigError } from '../core/errors.ts';
import { type SerfLimits, serfLimits } from '../membership/wire/serf/limits.ts';
import { encodeOwnMeta, normalizeTags, type TagsInput } from './tags.ts';
import { USER_EVENT_BYTES_CEILING } from './user-events.ts';

/** Serf protocol versions a Serf 0.9 agent understands (`ProtocolVersionMin/Max`). */
export const SERF_PROTOCOL_MIN = 2;
export const SERF_PROTOCOL_MAX = 5;

const HOUR_MS = 3_600_000;

export interface SerfConfig {
  /** Node name, unique in the cluster; also memberlist's node name. */
  readonly name: string;
  /**
   * Tags advertised in the node meta. Encoded (sorted keys) they must fit memberlist's 512
   * bytes; from Serf protocol 3 on as a map, before that only the `role` tag is sent.
   */
  readonly tags: ReadonlyMap<string, string>;
  /**
   * Serf protocol version we speak, 2..5 (Serf's `ProtocolVersion`; the agent's default is
   * 5). It is advertised as memberlist's delegate version (`Vsn[5]`) and decides the meta
   * format. Default 5.
   */
  readonly protocolVersion: number;
  /**
   * How long a graceful leave waits for its leave intent to be sent its full retransmit
   * count (Serf's `BroadcastTimeout`). Default 5 s. The SWIM layer bounds its own leave
   * broadcast by its own timeout.
   */
  readonly broadcastTimeoutMs: number;
  /**
   * After memberlist's leave, how long to keep answering probes while the news spreads
   * (Serf's `LeavePropagateDelay`). Default 1 s.
   */
  readonly leavePropagateDelayMs: number;
  /** How often the reaper runs (Serf's `ReapInterval`). Default 15 s. */
  readonly reapIntervalMs: number;
  /**
   * How often we may try to re-join a failed member (Serf's `ReconnectInterval`): each time,
   * with probability failed/alive, one failed member picked at random gets a memberlist
   * join, which is how a healed partition merges again. Default 30 s.
   */
  readonly reconnectIntervalMs: number;
  /**
   * How long a failed member is remembered (and may be reconnected to) before it is reaped
   * with member-reap (Serf's `ReconnectTimeout`). Default 24 h.
   */
  readonly reconnectTimeoutMs: number;
  /** How long a left member is remembered before it is reaped (`TombstoneTimeout`). Default 24 h. */
  readonly tombstoneTimeoutMs: number;
  /**
   * How long an intent about a node memberlist does not know yet is kept
   * (`RecentIntentTimeout`). Default 5 min.
   */
  readonly recentIntentTimeoutMs: number;
  /**
   * Most intents buffered for unknown nodes (Serf has no bound). Each costs about a hundred
   * bytes; 16384 covers a large cluster joining at once. Over it, the oldest is evicted.
   */
  readonly recentIntentsMax: number;
  /**
   * Retransmit multiplier of Serf's queues (Serf reuses memberlist's `RetransmitMult`):
   * each Serf broadcast is sent mult × ceil(log10(n + 1)) times. Default 4.
   */
  readonly retransmitMult: number;
  /**
   * Most entries per Serf broadcast queue (`MaxQueueDepth`). Default 4096. Over it, the
   * most transmitted entry is dropped.
   */
  readonly broadcastQueueDepthMax: number;
  /**
   * Most bytes of a user event we send: name + payload before encoding, and the encoded
   * message (Serf's `UserEventSizeLimit`, the agent's default 512). Never above Serf's hard
   * ceiling of 9 KiB; an event larger than the UDP gossip budget (~1400 bytes) would never
   * be picked by gossip anyway.
   */
  readonly userEventSizeLimitBytes: number;
  /**
   * Slots of the user-event ring used to drop duplicates and carried in push/pull (Serf's
   * `EventBuffer`, 512): events more than this many Lamport ticks old are dropped.
   */
  readonly eventBufferSlots: number;
  /** Most bytes of an encoded query we send (Serf's `QuerySizeLimit`). Default 1024. */
  readonly querySizeLimitBytes: number;
  /** Most bytes of an encoded query response we send (`QueryResponseSizeLimit`). Default 1024. */
  readonly queryResponseSizeLimitBytes: number;
  /** Slots of the query dedup ring (`QueryBuffer`, 512). */
  readonly queryBufferSlots: number;
  /**
   * Default query timeout = gossip interval × this × ceil(log10(n + 1)), n = alive members
   * (`QueryTimeoutMult`, 16: 3.2 s for up to 9 members on LAN).
   */
  readonly queryTimeoutMult: number;
  /** Most of our own queries open at once (ours; Serf has no bound). Default 256. */
  readonly openQueriesMax: number;
  /**
   * Most received queries the application may still answer (ours). Default 1024; beyond it
   * the oldest can no longer be answered.
   */
  readonly pendingQueriesMax: number;
  /**
   * When memberlist reports another node claiming our name, ask the cluster who holds it
   * (`_serf_conflict`) and shut down if we lose the vote (`EnableNameConflictResolution`).
   * Default true.
   */
  readonly nameConflictResolution: boolean;
  /** Send a network coordinate in our acks (Serf's `DisableCoordinates` = false). Default true. */
  readonly coordinatesEnabled: boolean;
  /** Decode limits for Serf messages from peers. */
  readonly limits: SerfLimits;
}

/** What callers pass: `name` is required, tags may be a plain object, the rest has defaults. */
export type SerfConfigInput = Partial<Omit<SerfConfig, 'tags' | 'limits'>> & {
  readonly name: string;
  readonly tags?: TagsInput;
  readonly limits?: Partial<SerfLimits>;
};

export const DEFAULT_SERF_CONFIG: Omit<SerfConfig, 'name' | 'tags' | 'limits'> = Object.freeze({
  protocolVersion: 5,
  broadcastTimeoutMs: 5_000,
  leavePropagateDelayMs: 1_000,
  reapIntervalMs: 15_000,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 24 * HOUR_MS,
  tombstoneTimeoutMs: 24 * HOUR_MS,
  recentIntentTimeoutMs: 5 * 60_000,
  recentIntentsMax: 16_384,
  retransmitMult: 4,
  broadcastQueueDepthMax: 4_096,
  userEventSizeLimitBytes: 512,
  eventBufferSlots: 512,
  querySizeLimitBytes: 1024,
  queryResponseSizeLimitBytes: 1024,
  queryBufferSlots: 512,
  queryTimeoutMult: 16,
  openQueriesMax: 256,
  pendingQueriesMax: 1024,
  nameConflictResolution: true,
  coordinatesEnabled: true,
});

/** Longest node name we accept for ourselves (the decoders' default `nameBytesMax`). */
const NAME_BYTES_MAX = 512;

function positiveMs(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(field, `must be a finite number of milliseconds > 0, got ${String(v)}`);
  }
}

function nonNegativeMs(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ConfigError(field, `must be a finite number of milliseconds >= 0, got ${String(v)}`);
  }
}

function intInRange(field: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

/** Fills defaults and validates; throws `ConfigError` naming the first bad field. */
export function serfConfig(input: SerfConfigInput): SerfConfig {
  if (input === null || typeof input !== 'object') {
    throw new ConfigError('serf', 'configuration must be an object');
  }
  const name = input.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError('name', `must be a non-empty string, got ${String(name)}`);
  }
  if (new TextEncoder().encode(name).length > NAME_BYTES_MAX) {
    throw new ConfigError('name', `must be at most ${NAME_BYTES_MAX} bytes`);
  }
  const c = {
    ...DEFAULT_SERF_CONFIG,
    ...input,
    name,
    tags: normalizeTags(input.tags ?? {}, 'tags'),
    limits: serfLimits(input.limits ?? {}),
  };
  intInRange('protocolVersion', c.protocolVersion, SERF_PROTOCOL_MIN, SERF_PROTOCOL_MAX);
  encodeOwnMeta(c.tags, c.protocolVersion, 'tags');
  positiveMs('broadcastTimeoutMs', c.broadcastTimeoutMs);
  nonNegativeMs('leavePropagateDelayMs', c.leavePropagateDelayMs);
  positiveMs('reapIntervalMs', c.reapIntervalMs);
  positiveMs('reconnectIntervalMs', c.reconnectIntervalMs);
  positiveMs('reconnectTimeoutMs', c.reconnectTimeoutMs);
  positiveMs('tombstoneTimeoutMs', c.tombstoneTimeoutMs);
  positiveMs('recentIntentTimeoutMs', c.recentIntentTimeoutMs);
  intInRange('recentIntentsMax', c.recentIntentsMax, 1, 1 << 24);
  intInRange('retransmitMult', c.retransmitMult, 1, 1024);
  intInRange('broadcastQueueDepthMax', c.broadcastQueueDepthMax, 1, 1 << 20);
  intInRange('userEventSizeLimitBytes', c.userEventSizeLimitBytes, 1, USER_EVENT_BYTES_CEILING);
  intInRange('eventBufferSlots', c.eventBufferSlots, 1, 1 << 16);
  intInRange('querySizeLimitBytes', c.querySizeLimitBytes, 64, 65_507);
  intInRange('queryResponseSizeLimitBytes', c.queryResponseSizeLimitBytes, 64, 65_507);
  intInRange('queryBufferSlots', c.queryBufferSlots, 1, 1 << 16);
  intInRange('queryTimeoutMult', c.queryTimeoutMult, 1, 1024);
  intInRange('openQueriesMax', c.openQueriesMax, 1, 1 << 16);
  intInRange('pendingQueriesMax', c.pendingQueriesMax, 1, 1 << 20);
  for (const field of ['nameConflictResolution', 'coordinatesEnabled'] as const) {
    if (typeof c[field] !== 'boolean') {
      throw new ConfigError(field, `must be a boolean, got ${String(c[field])}`);
    }
  }
  if (typeof c.coordinatesEnabled !== 'boolean') {
    throw new ConfigError(
      'coordinatesEnabled',
      `must be a boolean, got ${String(c.coordinatesEnabled)}`,
    );
  }
  return Object.freeze(c);
}
