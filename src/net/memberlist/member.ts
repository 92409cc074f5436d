/**
 * The library API for one cluster member: `createMember(options)` → `Membership`.
 *
 * This is the embedding surface (DESIGN.md: "embedded as a library in a Node service"): a
 * SWIM node (src/membership/swim) driven by the memberlist host (host.ts) over real
 * sockets, speaking HashiCorp memberlist 0.2.2, so a member can join a cluster of other
 * hearsay members or of real memberlist/Serf nodes using the same transport (Serf itself
 * adds its own layer on top: src/serf).
 *
 * What it adds to the host:
 *   - options in user terms ("host:port" strings, a profile name, base64 or raw keys),
 *     validated before anything is bound, every error a `ConfigError` naming the field;
 *   - promises for the commands: `join` resolves with the number of seeds contacted or
 *     rejects with a `JoinError` saying per seed what went wrong on the wire; `leave` waits
 *     for the leave broadcast, then shuts down; `shutdown` is idempotent;
 *   - member events as a typed listener API (`on('join' | 'leave' | 'failed' | 'update' |
 *     'suspect' | 'event', …)`);
 *   - pinning: every member's address is pinned in the host's address map (unpinned when
 *     the SWIM node reaps the member), so floods of traffic from strangers can evict only
 *     strangers.
 *
 * Commands run one at a time through `host.invoke`; joins are serialised because the SWIM
 * node's join events do not say which join they answer (join-runner.ts, shared with the
 * agent's Serf-backed cluster).
 */

import { abortable } from '../../core/abortable.ts';
import { ConfigError, RemoteError } from '../../core/errors.ts';
import {
  META_BYTES_MAX,
  SWIM_PRESETS,
  type SwimConfig,
  swimConfig,
} from '../../membership/swim/config.ts';
import type { SwimEvent } from '../../membership/swim/events.ts';
import {
  SWIM_TIMERS,
  type SwimContext,
  SwimNode,
  type SwimTimer,
} from '../../membership/swim/node.ts';
import type { Member, MemberState, MembershipDelegate } from '../../membership/types.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import type { HostStatsSnapshot } from '../host-stats.ts';
import { TIMER_DELAY_MS_MAX } from '../host-timers.ts';
import { keyFromBase64 } from '../security/keyring.ts';
import { encryptionOverheadBytes } from '../security/seal.ts';
import { type HostLogger, stderrLogger } from '../udp-host.ts';
import {
  DEFAULT_PORT,
  type Endpoint,
  interfaceAddress,
  parseEndpoint,
  resolveEndpoint,
} from './endpoints.ts';
import { MemberlistHost, type MemberlistHostLimits, type StreamFailure } from './host.ts';
import { endpointText, ipBytes } from './ip.ts';
import { JoinError, type SeedFailure } from './join-error.ts';
import { JoinRunner, type JoinTarget, WATCHDOG_SLACK_MS } from './join-runner.ts';
import { MemberPins } from './member-pins.ts';

export type MemberProfile = keyof typeof SWIM_PRESETS;

/** Fields `createMember` sets itself; `config` may not carry them. */
const DERIVED_FIELDS: Partial<Record<keyof SwimConfig, string>> = {
  name: 'name',
  advertiseIp: 'advertise',
  advertisePort: 'advertise',
  encryptionOverheadBytes: 'encryptKeys',
};

export interface MemberOptions {
  /** Unique node name in the cluster (memberlist `Name`), 1..512 bytes. */
  readonly name: string;
  /** "ip:port" to bind UDP and TCP; port 0 picks a free one. Default "0.0.0.0:7946". */
  readonly bind?: string;
  /** "ip[:port]" peers should use; needed when bind is a wildcard without a usable interface. */
  readonly advertise?: string;
  /** memberlist's preset: 'lan' (default, Serf's), 'wan', or 'local'. */
  readonly profile?: MemberProfile;
  /** Overrides of the preset's SWIM fields (probeIntervalMs, …); see SwimConfig. */
  readonly config?: Partial<SwimConfig>;
  /** AES keys (16/24/32 bytes, or base64 as `serf keygen` prints), primary first. */
  readonly encryptKeys?: readonly (Uint8Array | string)[];
  /** memberlist `GossipVerifyIncoming` (default true): drop traffic that does not decrypt. */
  readonly gossipVerifyIncoming?: boolean;
  /** memberlist `GossipVerifyOutgoing` (default true): encrypt everything sent. */
  readonly gossipVerifyOutgoing?: boolean;
  /** Node metadata advertised in alive messages, at most 512 bytes. Exclusive with `delegate`. */
  readonly meta?: Uint8Array;
  /** memberlist-style delegate hooks (meta, user messages, push/pull state, …). */
  readonly delegate?: MembershipDelegate<SwimContext>;
  /** Where drops and bugs are reported; default stderr. */
  readonly logger?: HostLogger;
  /** Aborting shuts the member down (without a leave). */
  readonly signal?: AbortSignal;
  /** Seed of the member's Rng (probe order, gossip targets); default random. */
  readonly seed?: number;
  /** Host limits (address map size, stream limits, …); `tcpTimeoutMs` defaults to the profile's. */
  readonly limits?: Partial<MemberlistHostLimits>;
  /** Decoder limits (wire/limits.ts). */
  readonly wireLimits?: Partial<MemberlistLimits>;
}

/** What `on` delivers. Member events carry a snapshot taken at the change. */
export interface MembershipEventMap {
  /** A member became alive: new, or back after failing or leaving. */
  readonly join: Member;
  /** A member left gracefully (`state` 'left'). */
  readonly leave: Member;
  /** A member was declared dead by the failure detector (`state` 'dead'). */
  readonly failed: Member;
  /** A member's metadata changed. */
  readonly update: Member;
  /** A member became suspect (it may refute, or be declared failed). */
  readonly suspect: Member;
  /** Every event of the SWIM node, for metrics and debugging. */
  readonly event: SwimEvent;
}

export type MembershipEventType = keyof MembershipEventMap;

export interface MembershipStats extends HostStatsSnapshot {
  /** Member table entries by state, self included. */
  readonly members: Record<MemberState, number>;
  /** Lifeguard local health: 0 is healthy. */
  readonly healthScore: number;
  /** Address-map entries and evictions (evictions grow under floods from strangers). */
  readonly addresses: number;
  readonly addressEvictions: number;
}

type SwimHost = MemberlistHost<SwimTimer, SwimEvent, SwimNode>;
type Listener<K extends MembershipEventType> = (value: MembershipEventMap[K]) => void;
type LeaveOutcome =
  | { readonly type: 'left'; readonly timedOut: boolean }
  | { readonly type: 'closed' };

/**
 * Validates `options`, binds the sockets and starts the member. Rejects with `ConfigError`
 * (the field named) before binding, or `RemoteError(HEARSAY_ERR_SOCKET)` when binding fails.
 */
export async function createMember(options: MemberOptions): Promise<Membership> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'expected an object');
  }
  options.signal?.throwIfAborted();
  const profile = options.profile ?? 'lan';
  const preset = SWIM_PRESETS[profile];
  if (!Object.hasOwn(SWIM_PRESETS, profile) || preset === undefined) {
    throw new ConfigError(
      'profile',
      `must be one of lan, wan, local, got ${JSON.stringify(profile)}`,
    );
  }
  const overrides = options.config ?? {};
  if (typeof overrides !== 'object' || overrides === null) {
    throw new ConfigError('config', 'expected an object of SWIM fields');
  }
  for (const key of Object.keys(overrides) as (keyof SwimConfig)[]) {
    const instead = DERIVED_FIELDS[key];
    if (instead !== undefined) {
      throw new ConfigError(`config.${key}`, `is set by createMember: use the '${instead}' option`);
    }
  }
  const bind = parseEndpoint(options.bind ?? `0.0.0.0:${DEFAULT_PORT}`, 'bind', DEFAULT_PORT, true);
  const bindIp = ipBytes(bind.host);
  if (bindIp === undefined)
    throw new ConfigError('bind', `expected an IP address, got '${bind.host}'`);
  let advertise: Endpoint | undefined;
  if (options.advertise !== undefined) {
    advertise = parseEndpoint(options.advertise, 'advertise', 0, true);
    if (ipBytes(advertise.host) === undefined) {
      throw new ConfigError('advertise', `expected an IP address, got '${advertise.host}'`);
    }
  } else if (bindIp.every((b) => b === 0)) {
    const found = interfaceAddress();
    if (found === undefined) {
      throw new ConfigError(
        'advertise',
        `bind ${bind.host} is a wildcard and no interface address was found: give the address to advertise`,
      );
    }
    advertise = { host: found, port: 0 };
  }
  const keys = (options.encryptKeys ?? []).map((k, i) => keyOption(k, `encryptKeys[${i}]`));
  const verifyOutgoing = options.gossipVerifyOutgoing ?? true;
  for (const field of ['gossipVerifyIncoming', 'gossipVerifyOutgoing'] as const) {
    const v = options[field];
    if (v !== undefined && typeof v !== 'boolean')
      throw new ConfigError(field, `must be true or false, got ${String(v)}`);
  }
  if (options.meta !== undefined && options.delegate !== undefined) {
    throw new ConfigError(
      'meta',
      "give either 'meta' or a 'delegate' (whose nodeMeta supplies it), not both",
    );
  }
  const metaState = { meta: checkMeta(options.meta ?? new Uint8Array(0)) };
  const delegate: MembershipDelegate<SwimContext> = options.delegate ?? {
    nodeMeta: () => metaState.meta,
  };

  // Validate the SWIM fields now, with a stand-in address: the real port is known after bind.
  const derived = {
    name: options.name,
    encryptionOverheadBytes: keys.length > 0 && verifyOutgoing ? encryptionOverheadBytes(1) : 0,
  };
  const validated = prefixConfigErrors(() =>
    swimConfig(
      {
        ...overrides,
        ...derived,
        advertiseIp: new Uint8Array([127, 0, 0, 1]),
        advertisePort: DEFAULT_PORT,
      },
      preset,
    ),
  );

  const logger = options.logger ?? stderrLogger(`hearsay member ${options.name}`);
  let membership: Membership | undefined;
  const host: SwimHost = await MemberlistHost.start<SwimTimer, SwimEvent, SwimNode>({
    bind: { host: bind.host, port: bind.port },
    advertise: advertise === undefined ? undefined : { host: advertise.host, port: advertise.port },
    seed: options.seed,
    keys,
    gossipVerifyIncoming: options.gossipVerifyIncoming,
    gossipVerifyOutgoing: options.gossipVerifyOutgoing,
    wireLimits: options.wireLimits,
    limits: { tcpTimeoutMs: validated.tcpTimeoutMs, ...options.limits },
    logger,
    timerKinds: SWIM_TIMERS,
    protocol: ({ addresses, advertise: adv }) =>
      new SwimNode(
        swimConfig(
          { ...overrides, ...derived, advertiseIp: adv.ip, advertisePort: adv.port },
          preset,
        ),
        {
          addresses,
          delegate,
        },
      ),
    // The member's own join is emitted while starting, before anyone can listen.
    onEvent: (e) => membership?.onSwimEvent(e),
    onStreamFailure: (f) => membership?.onStreamFailure(f),
  });
  membership = new Membership(
    host,
    metaState,
    options.delegate === undefined,
    options.signal,
    logger,
  );
  return membership;
}

export class Membership {
  readonly #host: SwimHost;
  readonly #metaState: { meta: Uint8Array };
  readonly #ownsMeta: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #logger: HostLogger;
  readonly #onAbort = (): void => void this.shutdown();
  readonly #listeners = new Map<MembershipEventType, Set<(value: never) => void>>();
  readonly #pins: MemberPins;
  readonly #joins = new JoinRunner();
  #leaveWaiter: ((o: LeaveOutcome) => void) | undefined;
  #leaving: Promise<{ timedOut: boolean }> | undefined;
  #shutdown: Promise<void> | undefined;

  /** @internal Use `createMember`. */
  constructor(
    host: SwimHost,
    metaState: { meta: Uint8Array },
    ownsMeta: boolean,
    signal: AbortSignal | undefined,
    logger: HostLogger,
  ) {
    this.#host = host;
    this.#pins = new MemberPins(host.addresses);
    this.#logger = logger;
    this.#metaState = metaState;
    this.#ownsMeta = ownsMeta;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get name(): string {
    return this.#host.protocol.config.name;
  }

  /** The bound address (the real port when 0 was asked). */
  get address(): { readonly host: string; readonly port: number } {
    return this.#host.address;
  }

  /** "ip:port" announced to peers: what others pass to `join`. */
  get advertise(): string {
    return endpointText(this.#host.advertise.ip, this.#host.advertise.port);
  }

  /** This member as the cluster sees it. */
  get local(): Member {
    const m = this.#host.protocol.localMember();
    if (m === undefined) throw new RemoteError('HEARSAY_ERR_SOCKET', 'the member is not running');
    return m;
  }

  /** True after `shutdown` (or `leave`, or the abort signal). */
  get closed(): boolean {
    return this.#shutdown !== undefined;
  }

  /** Every member-table entry (alive, suspect, and dead/left until reaped), self included. */
  members(): Member[] {
    return this.#host.protocol.members();
  }

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends MembershipEventType>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as (value: never) => void);
    return () => this.off(type, listener);
  }

  off<K extends MembershipEventType>(type: K, listener: Listener<K>): void {
    this.#listeners.get(type)?.delete(listener as (value: never) => void);
  }

  /**
   * Joins a cluster through `seeds` ("host:port", "host" for port 7946; names are resolved).
   * Resolves with the number of seed addresses that completed a state exchange; rejects
   * with `JoinError` (per-seed reasons) when none did, after the profile's join retries.
   * `signal` abandons the wait (the attempt itself runs to its end in the background).
   */
  join(seeds: readonly string[], options: { signal?: AbortSignal } = {}): Promise<number> {
    if (!Array.isArray(seeds) || seeds.length === 0) {
      return Promise.reject(new ConfigError('seeds', 'give at least one "host:port"'));
    }
    let parsed: Endpoint[];
    try {
      parsed = seeds.map((s, i) => parseEndpoint(s, `seeds[${i}]`, DEFAULT_PORT));
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) return Promise.reject(closedError('join'));
    return abortable(
      this.#joins.serialize(() => this.#runJoin(seeds, parsed)),
      options.signal,
    );
  }

  async #runJoin(seeds: readonly string[], parsed: readonly Endpoint[]): Promise<number> {
    const failures: SeedFailure[] = [];
    const targets: JoinTarget[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < parsed.length; i++) {
      const seed = seeds[i]!;
      try {
        const addresses = await resolveEndpoint(parsed[i]!);
        if (addresses.length === 0)
          failures.push({
            seed,
            endpoint: '',
            reason: 'resolve',
            detail: 'the name has no address',
          });
        for (const address of addresses) {
          const endpoint = endpointText(address.ip, address.port);
          if (seen.has(endpoint)) continue;
          seen.add(endpoint);
          targets.push({ seed, address, endpoint });
        }
      } catch (err) {
        failures.push({
          seed,
          endpoint: '',
          reason: 'resolve',
          detail: `cannot resolve: ${(err as Error).message}`,
        });
      }
    }
    if (targets.length === 0) throw new JoinError(failures, seeds.length);
    if (this.closed) throw closedError('join');

    return this.#joins.run(targets, {
      start: (addresses) => this.#host.invoke((swim, ctx) => swim.join(ctx, addresses)),
      timing: this.#host.protocol.config,
      earlier: failures,
      seedsGiven: seeds.length,
      closedError: () => closedError('join'),
    });
  }

  /**
   * Leaves gracefully: gossips our departure (others record us as 'left', not failed),
   * waits until it has been sent its full number of times (bounded by the profile's
   * `leaveTimeoutMs`, or `timeoutMs` here), then shuts down. Resolves with whether the wait
   * timed out. Idempotent; on a closed member it resolves at once.
   */
  leave(
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ timedOut: boolean }> {
    if (this.#leaving !== undefined) return this.#leaving;
    if (this.closed) return Promise.resolve({ timedOut: false });
    const timeoutMs =
      options.timeoutMs ?? this.#host.protocol.config.leaveTimeoutMs + WATCHDOG_SLACK_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > TIMER_DELAY_MS_MAX) {
      return Promise.reject(
        new ConfigError(
          'timeoutMs',
          `must be an integer in [0, ${TIMER_DELAY_MS_MAX}], got ${timeoutMs}`,
        ),
      );
    }
    const waited = new Promise<LeaveOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'left', timedOut: true }), timeoutMs);
      this.#leaveWaiter = (o) => {
        clearTimeout(timer);
        this.#leaveWaiter = undefined;
        resolve(o);
      };
      this.#host.invoke((swim, ctx) => swim.leave(ctx));
    });
    this.#leaving = abortable(waited, options.signal)
      .then((o) => ({ timedOut: o.type === 'left' && o.timedOut }))
      .finally(() => this.shutdown());
    return this.#leaving;
  }

  /**
   * Closes the sockets and stops the protocol, without a leave: other members will notice
   * the silence and declare this member failed. Idempotent.
   */
  shutdown(): Promise<void> {
    if (this.#shutdown === undefined) {
      this.#signal?.removeEventListener('abort', this.#onAbort);
      this.#shutdown = this.#host.stop();
      this.#joins.close();
      this.#leaveWaiter?.({ type: 'closed' });
    }
    return this.#shutdown;
  }

  /**
   * Advertises new metadata (≤ 512 bytes): a new alive message with a higher incarnation.
   * With a custom delegate, call without an argument after its `nodeMeta` changed.
   */
  updateMeta(meta?: Uint8Array): void {
    if (this.closed) throw closedError('updateMeta');
    if (meta !== undefined) {
      if (!this.#ownsMeta) {
        throw new ConfigError(
          'meta',
          "this member's delegate supplies the metadata: change it there, then call updateMeta()",
        );
      }
      this.#metaState.meta = checkMeta(meta);
    }
    this.#host.invoke((swim, ctx) => swim.updateMeta(ctx));
  }

  /** Sends a user message (memberlist type 8) to the named member; false when unknown. */
  sendUser(toName: string, payload: Uint8Array, options: { reliable?: boolean } = {}): boolean {
    if (this.closed) throw closedError('sendUser');
    return this.#host.invoke((swim, ctx) =>
      swim.sendUser(ctx, toName, payload, options.reliable ?? false),
    );
  }

  // ── keyring ───────────────────────────────────────────────────────────────────────────

  /** Installed keys, primary first. */
  listKeys(): Uint8Array[] {
    return this.#host.keys();
  }

  /** Adds a key (raw or base64); it decrypts at once. Requires encryption to be on. */
  installKey(key: Uint8Array | string): void {
    this.#host.installKey(keyOption(key, 'key'));
  }

  /** Makes an installed key the primary (used for everything sent from now on). */
  useKey(key: Uint8Array | string): void {
    this.#host.useKey(keyOption(key, 'key'));
  }

  /** Removes a key; the primary cannot be removed. */
  removeKey(key: Uint8Array | string): void {
    this.#host.removeKey(keyOption(key, 'key'));
  }

  stats(): MembershipStats {
    const members: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const m of this.members()) members[m.state]++;
    return {
      ...this.#host.stats(),
      members,
      healthScore: this.#host.protocol.healthScore(),
      addresses: this.#host.addresses.size,
      addressEvictions: this.#host.addresses.evictions,
    };
  }

  // ── from the host ─────────────────────────────────────────────────────────────────────

  /** @internal */
  onSwimEvent(e: SwimEvent): void {
    switch (e.type) {
      case 'member-join':
        this.#pins.pin(e.member);
        this.#emit('join', e.member);
        break;
      case 'member-update':
        this.#pins.pin(e.member);
        this.#emit('update', e.member);
        break;
      case 'member-suspect':
        this.#emit('suspect', e.member);
        break;
      case 'member-leave':
        this.#emit(e.member.state === 'left' ? 'leave' : 'failed', e.member);
        break;
      case 'member-reaped':
        this.#pins.unpin(e.name);
        break;
      case 'join-succeeded':
      case 'join-failed':
        this.#joins.settle(e);
        break;
      case 'left':
        this.#leaveWaiter?.(e);
        break;
    }
    this.#emit('event', e);
  }

  /** @internal */
  onStreamFailure(f: StreamFailure): void {
    this.#joins.streamFailed(f);
  }

  #emit<K extends MembershipEventType>(type: K, value: MembershipEventMap[K]): void {
    const set = this.#listeners.get(type);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<K>)(value);
      } catch (err) {
        // The application's bug, not the member's: report it and keep the member running.
        this.#logger.error(`a '${type}' listener threw`, err);
      }
    }
  }
}

function keyOption(k: Uint8Array | string, field: string): Uint8Array {
  if (typeof k === 'string') return keyFromBase64(k, field);
  if (!(k instanceof Uint8Array))
    throw new ConfigError(field, 'must be a Uint8Array or a base64 string');
  if (![16, 24, 32].includes(k.length)) {
    throw new ConfigError(field, `an encryption key is 16, 24 or 32 bytes, got ${k.length}`);
  }
  return k;
}

function checkMeta(meta: Uint8Array): Uint8Array {
  if (!(meta instanceof Uint8Array)) throw new ConfigError('meta', 'must be a Uint8Array');
  if (meta.length > META_BYTES_MAX) {
    throw new ConfigError(
      'meta',
      `must be at most ${META_BYTES_MAX} bytes (memberlist MetaMaxSize), got ${meta.length}`,
    );
  }
  return meta.slice();
}

/** SWIM field errors name `config.<field>`, the path the user wrote. */
function prefixConfigErrors<R>(fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError && err.field !== 'name') {
      const e = new ConfigError(`config.${err.field}`, err.message.slice(err.field.length + 2));
      throw e;
    }
    throw err;
  }
}

function closedError(what: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_SOCKET', `${what}: the member has been shut down`);
}

export { JoinError, type SeedFailure } from './join-error.ts';
