/**
 * `AgentCluster` over the real gossip stack: the memberlist host (src/net/memberlist/host.ts)
 * driving a `SerfNode` (src/serf), which drives its `SwimNode` — the same layering as a Serf
 * agent over memberlist, so a hearsay agent is a member of a Serf cluster.
 *
 * This is `createMember` (src/net/memberlist/member.ts) with Serf on top instead of a bare
 * SWIM node, and it follows that module's recipes:
 *
 *   - promises for the commands: `join` waits for the SWIM node's `join-succeeded` /
 *     `join-failed` through the same `JoinRunner` (join-runner.ts: one join at a time, a
 *     watchdog, a `JoinError` saying per seed what the wire saw); `leave` runs Serf's
 *     graceful leave and waits for `serf-left`; both are bounded by watchdogs derived from
 *     the configuration, so a protocol that never answers cannot hang the agent;
 *   - pinning: every member's address is pinned in the host's address map while the member
 *     is known, so a flood of traffic from strangers can evict only strangers (member-pins.ts's
 *     `MemberPins`, fed Serf's member events).
 *
 * Member snapshots become `AgentMember`s here (IP bytes → text, tag map → object, Serf's
 * status, which already reads `suspect` for a suspected alive member). Serf's member events
 * go to the agent's listeners; SWIM's other events are logged here at a level that matches
 * their interest (suspicions, failed probes and suspicions that ran out at info, as
 * memberlist logs them; confirmations and bad input at debug — bad input is counted by the
 * host — and the rest at trace).
 *
 * The services (`AgentClusterServices`) are the Serf layer's commands behind the same
 * `invoke`: user events (its size check surfaces as a ConfigError on `payload`), queries
 * (query-collector.ts turns the per-answer events into one promise, registered inside the
 * `invoke` so our own ack is not missed), answers through `respond` (false rather than a
 * throw when too late or too large), the host's keyring in base64 — lent to the Serf layer
 * too, so `serf keys` anywhere in the cluster reaches it, and saved in the data dir
 * (keyring-file.ts) after every change — cluster-wide key operations (the Serf layer's
 * `keyOperation`, run one at a time like Serf's KeyManager, at most
 * `CLUSTER_KEY_OPERATIONS_WAITING_MAX` waiting, each answered by its `key-query-done` and
 * bounded by a watchdog past the query's deadline), and counters (cluster-stats.ts).
 */

import { abortable } from '../core/abortable.ts';
import { ConfigError, RemoteError } from '../core/errors.ts';
import { SWIM_PRESETS, type SwimConfig, swimConfig } from '../membership/swim/config.ts';
import type { SwimTimer } from '../membership/swim/node.ts';
import type { MemberAddress } from '../membership/types.ts';
import { TIMER_DELAY_MS_MAX } from '../net/host-timers.ts';
import { interfaceAddress } from '../net/memberlist/endpoints.ts';
import { MemberlistHost, type StreamFailure } from '../net/memberlist/host.ts';
import { endpointText, ipBytes, ipText } from '../net/memberlist/ip.ts';
import { JoinRunner, type JoinTarget, WATCHDOG_SLACK_MS } from '../net/memberlist/join-runner.ts';
import { MemberPins } from '../net/memberlist/member-pins.ts';
import { keyFromBase64 } from '../net/security/keyring.ts';
import { encryptionOverheadBytes } from '../net/security/seal.ts';
import type { HostLogger } from '../net/udp-host.ts';
import { serfConfig } from '../serf/config.ts';
import type { SerfNodeEvent, SerfTimer } from '../serf/context.ts';
import type { SerfMember } from '../serf/events.ts';
import type { KeyOperationResult } from '../serf/key-manager.ts';
import type { SerfKeyring } from '../serf/key-queries.ts';
import { SerfNode } from '../serf/node.ts';
import { SERF_NODE_TIMERS } from '../serf/spec.ts';
import type { ClusterFactory } from './agent.ts';
import type {
  AgentCluster,
  AgentMember,
  ClusterKeyAction,
  ClusterKeysResult,
  ClusterStats,
  IncomingQuery,
  KeyringView,
  LamportClocks,
  MemberEvent,
  QueryParams,
  QueryReply,
  QueryResult,
  UserEvent,
} from './cluster.ts';
import { type AgentCounters, clusterStatsOf } from './cluster-stats.ts';
import { type AgentConfig, formatHostPort, type HostPort } from './config.ts';
import { KEYRING_FILE, keyringSaver, readKeyringFile, startingKeys } from './keyring-file.ts';
import type { AgentLogger } from './log.ts';
import { QueryCollector } from './query-collector.ts';

type SerfHost = MemberlistHost<SwimTimer | SerfTimer, SerfNodeEvent, SerfNode>;

type LeaveOutcome = { readonly type: 'serf-left' | 'closed' | 'watchdog' };
/** Cluster-wide key operations waiting for the one running (Serf holds them on a lock). */
export const CLUSTER_KEY_OPERATIONS_WAITING_MAX = 8;

/**
 * The agent's join sync (SwimConfig `joinSyncDelayMs`, off in the library's presets): one
 * push/pull this many gossip periods after each join. An alive broadcast is sent
 * `retransmitMult × ceil(log10(n + 1))` times by each member holding it (8 in a LAN cluster
 * below 100), a few per period, so a join burst has spread, or missed someone, within about
 * ten periods; the sync then hands the joiner whatever it missed, in 3 s on LAN timing
 * instead of the next periodic push/pull (30 s and more). Serf's agent has no such step: it
 * is why a Serf member can wait a minute for a missed join.
 */
export const JOIN_SYNC_GOSSIP_PERIODS = 15;

/**
 * The agent's stranger sync (SwimConfig `strangerSyncIntervalMs`, off in the library's
 * presets): a member pinged by one it does not list alive pulls what it missed from the
 * pinger, at most once per this fraction of the periodic push/pull interval (5 s on LAN
 * timing, scaled with the cluster as that interval is). The join sync covers joins close to
 * a member's own; this covers the ones that come later, which a member otherwise learns of
 * only when its periodic push/pull comes round.
 */
export const STRANGER_SYNC_FRACTION = 1 / 6;

/**
 * The agent's join-burst sync (SwimConfig `joinBurstSyncDelayMs`, off in the library's
 * presets): one push/pull once the joins a member hears of by gossip have been quiet this
 * many gossip periods. A member that joined early and missed the alive of one that joined
 * seconds after its own join sync (64 agents starting over 20 s: one such member waited 65 s
 * in a benchmark run) learns of it when the burst ends, not when the joiner's round-robin
 * happens to ping it (the stranger sync) or the periodic push/pull comes round.
 */
export const JOIN_BURST_SYNC_GOSSIP_PERIODS = 15;

/** The SWIM fields the agent sets; the rest come from the profile's preset. */
function swimFields(
  config: AgentConfig,
  advertise: MemberAddress,
  encrypted: boolean,
): Partial<SwimConfig> {
  const preset = SWIM_PRESETS[config.profile];
  return {
    name: config.nodeName,
    joinSyncDelayMs: preset.gossipIntervalMs * JOIN_SYNC_GOSSIP_PERIODS,
    strangerSyncIntervalMs: preset.pushPullIntervalMs * STRANGER_SYNC_FRACTION,
    joinBurstSyncDelayMs: preset.gossipIntervalMs * JOIN_BURST_SYNC_GOSSIP_PERIODS,
    advertiseIp: advertise.ip,
    advertisePort: advertise.port,
    // AES-GCM version 1, the one memberlist sends: subtracted from the packet budget.
    encryptionOverheadBytes: encrypted ? encryptionOverheadBytes(1) : 0,
  };
}

/**
 * The keys to start with: with a data dir, its keyring file (rotations survive restarts)
 * then `--encrypt` if missing from it; otherwise `--encrypt` alone. Also the function that
 * saves the keyring after a change (a no-op without a data dir).
 */
async function startingKeyring(
  config: AgentConfig,
  logger: AgentLogger,
): Promise<{ keys: Uint8Array[]; save: (keys: readonly Uint8Array[]) => Promise<void> }> {
  const fromFlag = config.encryptKey === null ? [] : [config.encryptKey];
  if (config.dataDir === null) return { keys: fromFlag, save: async () => {} };
  const log = logger.child({ component: 'keyring' });
  const save = keyringSaver(config.dataDir, (err) =>
    log.warn({ err }, `cannot write ${KEYRING_FILE} in the data dir; keys live in memory only`),
  );
  const read = await readKeyringFile(config.dataDir);
  if (read.kind === 'corrupt') {
    log.warn({ reason: read.reason }, `${KEYRING_FILE} cannot be used: starting from --encrypt`);
  }
  const keys = read.kind === 'ok' ? startingKeys(read.keys, config.encryptKey) : fromFlag;
  if (read.kind === 'ok') {
    log.info({ keys: keys.length }, `gossip keyring restored from the data dir's ${KEYRING_FILE}`);
  }
  if (keys.length > 0) await save(keys);
  return { keys, save };
}

function hostLogger(logger: AgentLogger): HostLogger {
  const log = logger.child({ component: 'memberlist' });
  return {
    warn: (message) => log.warn(message),
    error: (message, err) => log.error({ err }, message),
  };
}

/** The address to announce: --advertise, else the bind address, else an interface's. */
function advertiseOf(config: AgentConfig): { host: string; port: number } | undefined {
  if (config.advertise !== null) return config.advertise;
  if (config.bind.host !== '0.0.0.0') return undefined;
  const found = interfaceAddress();
  if (found === undefined) {
    throw new ConfigError(
      '--advertise',
      `--bind ${formatHostPort(config.bind)} listens everywhere and no interface address was found to announce: give --advertise`,
    );
  }
  return { host: found, port: 0 };
}

export const createMemberlistCluster: ClusterFactory = async (config, logger) => {
  const preset = SWIM_PRESETS[config.profile];
  const serf = serfConfig({ name: config.nodeName, tags: config.tags });
  const advertise = advertiseOf(config);
  // Validate the SWIM fields before binding, with a stand-in address (the port is known
  // only after binding); the agent's config already checked what a user can set.
  const { keys: startKeys, save: saveKeys } = await startingKeyring(config, logger);
  const encrypted = startKeys.length > 0;
  const validated = swimConfig(
    swimFields(config, { ip: new Uint8Array([127, 0, 0, 1]), port: 7946 }, encrypted),
    preset,
  );
  let cluster: MemberlistCluster | undefined;
  // The Serf layer answers `serf keys` (its internal key queries) from the host's keyring;
  // the host exists only once started, and no query can arrive before that.
  let started: SerfHost | undefined;
  const keyLog = logger.child({ component: 'keyring' });
  const keyChange = (what: string, change: (h: SerfHost) => void) => {
    if (started === undefined) throw new ConfigError('key', 'the member is not started');
    change(started);
    keyLog.info({ keys: started.keys().length }, `gossip key ${what} by a cluster key query`);
    void saveKeys(started.keys());
  };
  const keyring: SerfKeyring = {
    enabled: () => started?.encryptionEnabled ?? false,
    keys: () => started?.keys() ?? [],
    install: (k) => keyChange('installed', (h) => h.installKey(k)),
    use: (k) => keyChange('made primary', (h) => h.useKey(k)),
    remove: (k) => keyChange('removed', (h) => h.removeKey(k)),
  };
  const host: SerfHost = await MemberlistHost.start<SwimTimer | SerfTimer, SerfNodeEvent, SerfNode>(
    {
      bind: config.bind,
      advertise,
      keys: startKeys,
      limits: { tcpTimeoutMs: validated.tcpTimeoutMs },
      logger: hostLogger(logger),
      timerKinds: SERF_NODE_TIMERS,
      protocol: ({ addresses, advertise: adv }) =>
        new SerfNode(serf, swimConfig(swimFields(config, adv, encrypted), preset), {
          addresses,
          keyring,
        }),
      // Our own join is emitted while the host starts, before anyone listens: the agent
      // reads the initial state from members() instead.
      onEvent: (e) => cluster?.onEvent(e),
      onStreamFailure: (f) => cluster?.onStreamFailure(f),
    },
  );
  started = host;
  cluster = new MemberlistCluster(host, logger, saveKeys);
  return cluster;
};

export function agentMemberOf(m: SerfMember): AgentMember {
  return {
    name: m.name,
    addr: ipText(m.ip),
    port: m.port,
    tags: Object.fromEntries(m.tags),
    state: m.status,
  };
}

export class MemberlistCluster implements AgentCluster {
  readonly bound: HostPort;
  readonly advertise: HostPort;
  readonly #host: SerfHost;
  readonly #logger: AgentLogger;
  readonly #listeners = new Set<(event: MemberEvent) => void>();
  readonly #pins: MemberPins;
  readonly #joins = new JoinRunner();
  #leaveWaiter: ((o: LeaveOutcome) => void) | undefined;
  #leaving: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  readonly #userListeners = new Set<(event: UserEvent) => void>();
  readonly #queryListeners = new Set<(query: IncomingQuery) => void>();
  readonly #queries: QueryCollector;
  readonly #counters: AgentCounters = { eventsSent: 0, queriesSent: 0 };
  readonly #saveKeys: (keys: readonly Uint8Array[]) => Promise<void>;
  /** Cluster-wide key operations: the chain that runs them in turn, and who waits for which. */
  #keyChain: Promise<unknown> = Promise.resolve();
  #keyOperationsWaiting = 0;
  readonly #keyWaiters = new Map<bigint, (result: KeyOperationResult | null) => void>();

  constructor(
    host: SerfHost,
    logger: AgentLogger,
    saveKeys: (keys: readonly Uint8Array[]) => Promise<void> = async () => {},
  ) {
    this.#host = host;
    this.#logger = logger;
    this.#saveKeys = saveKeys;
    this.#queries = new QueryCollector(host.protocol.config.openQueriesMax, (err) =>
      logger.error({ err }, 'a query reply listener threw'),
    );
    this.bound = host.address;
    this.advertise = { host: ipText(host.advertise.ip), port: host.advertise.port };
    this.#pins = new MemberPins(host.addresses);
    for (const m of host.protocol.members()) this.#pins.pin(m);
  }

  local(): AgentMember {
    const m = this.#host.protocol.localMember();
    if (m === undefined) {
      return {
        name: this.#host.protocol.config.name,
        addr: ipText(this.#host.advertise.ip),
        port: this.#host.advertise.port,
        tags: Object.fromEntries(this.#host.protocol.config.tags),
        state: 'alive',
      };
    }
    return agentMemberOf(m);
  }

  members(): AgentMember[] {
    return this.#host.protocol.members().map(agentMemberOf);
  }

  onMemberEvent(listener: (event: MemberEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  join(seeds: readonly HostPort[], signal?: AbortSignal): Promise<number> {
    if (this.#shutdown !== undefined)
      return Promise.reject(new Error('join: the member is shut down'));
    return abortable(
      this.#joins.serialize(() => this.#runJoin(seeds)),
      signal,
    );
  }

  async #runJoin(seeds: readonly HostPort[]): Promise<number> {
    const targets = seeds.map((s): JoinTarget => {
      const ip = ipBytes(s.host);
      if (ip === undefined) throw new ConfigError('seeds', `not an IP address: ${s.host}`);
      return {
        seed: formatHostPort(s),
        address: { ip, port: s.port },
        endpoint: endpointText(ip, s.port),
      };
    });
    if (this.#shutdown !== undefined) throw new Error('join: the member is shut down');
    return this.#joins.run(targets, {
      start: (addresses) => this.#host.invoke((node, ctx) => node.join(ctx, addresses)),
      timing: this.#host.protocol.swim.config,
      seedsGiven: targets.length,
      closedError: () => new Error('join: the member was shut down'),
    });
  }

  leave(signal?: AbortSignal): Promise<void> {
    if (this.#shutdown !== undefined) return Promise.resolve();
    this.#leaving ??= this.#runLeave();
    return abortable(this.#leaving, signal);
  }

  async #runLeave(): Promise<void> {
    const serf = this.#host.protocol.config;
    const swim = this.#host.protocol.swim.config;
    // The Serf layer bounds each phase itself; this is the backstop.
    const watchdogMs =
      serf.broadcastTimeoutMs +
      swim.leaveTimeoutMs +
      serf.leavePropagateDelayMs +
      WATCHDOG_SLACK_MS;
    const outcome = await new Promise<LeaveOutcome>((resolve, reject) => {
      const watchdog = setTimeout(() => resolve({ type: 'watchdog' }), watchdogMs);
      this.#leaveWaiter = (o) => {
        clearTimeout(watchdog);
        this.#leaveWaiter = undefined;
        resolve(o);
      };
      try {
        this.#host.invoke((node, ctx) => node.leave(ctx));
      } catch (err) {
        clearTimeout(watchdog);
        this.#leaveWaiter = undefined;
        reject(err);
      }
    });
    if (outcome.type === 'watchdog') {
      throw new Error(`the graceful leave did not finish within ${watchdogMs} ms`);
    }
  }

  shutdown(): Promise<void> {
    if (this.#shutdown === undefined) {
      this.#shutdown = this.#host.stop();
      this.#joins.close();
      this.#leaveWaiter?.({ type: 'closed' });
      this.#queries.closeAll();
      for (const waiter of [...this.#keyWaiters.values()]) waiter(null);
    }
    return this.#shutdown;
  }

  // ── user events ────────────────────────────────────────────────────────────────────

  async sendEvent(name: string, payload: Uint8Array, coalesce: boolean): Promise<bigint> {
    if (name.length === 0) throw new ConfigError('name', 'must be a non-empty event name');
    this.#assertRunning('sendEvent');
    let ltime = 0n;
    try {
      this.#host.invoke((node, ctx) => {
        ltime = node.eventClock.time();
        node.sendEvent(ctx, name, payload, coalesce);
      });
    } catch (err) {
      // The Serf layer names its argument `userEvent`; the seam names the part a caller sets.
      if (err instanceof ConfigError && err.field === 'userEvent') {
        throw new ConfigError(
          'payload',
          `is too large: ${detailOf(err)} (Serf's user event limit)`,
        );
      }
      throw err;
    }
    this.#counters.eventsSent++;
    return ltime;
  }

  onUserEvent(listener: (event: UserEvent) => void): () => void {
    this.#userListeners.add(listener);
    return () => this.#userListeners.delete(listener);
  }

  // ── queries ────────────────────────────────────────────────────────────────────────

  async query(
    params: QueryParams,
    onReply?: (reply: QueryReply) => void,
    signal?: AbortSignal,
  ): Promise<QueryResult> {
    checkQueryParams(params);
    this.#assertRunning('query');
    let result: Promise<QueryResult> | undefined;
    try {
      this.#host.invoke((node, ctx) => {
        const q = node.query(ctx, params.name, params.payload, {
          filterNodes: params.filterNodes,
          filterTags: params.filterTags,
          requestAck: params.requestAck,
          timeoutMs: params.timeoutMs,
        });
        // Registered before this call's events (our own ack among them) are flushed.
        result = this.#queries.track(q.ltime, q.id, q.deadlineMs - ctx.now, onReply, signal);
      });
    } catch (err) {
      if (err instanceof ConfigError && err.field === 'query') {
        throw new ConfigError('payload', `is too large: ${detailOf(err)}`);
      }
      throw err;
    }
    this.#counters.queriesSent++;
    return result!;
  }

  onQuery(listener: (query: IncomingQuery) => void): () => void {
    this.#queryListeners.add(listener);
    return () => this.#queryListeners.delete(listener);
  }

  // ── keys ───────────────────────────────────────────────────────────────────────────

  listKeys(): KeyringView {
    const keys = this.#host.keys().map((k) => Buffer.from(k).toString('base64'));
    return { primary: keys[0] ?? null, keys };
  }

  async installKey(key: string): Promise<void> {
    this.#host.installKey(keyFromBase64(key.trim(), 'key'));
    this.#logger.info({ keys: this.#host.keys().length }, 'gossip key installed');
    await this.#saveKeys(this.#host.keys());
  }

  async useKey(key: string): Promise<void> {
    this.#host.useKey(keyFromBase64(key.trim(), 'key'));
    this.#logger.info('gossip primary key changed');
    await this.#saveKeys(this.#host.keys());
  }

  async removeKey(key: string): Promise<void> {
    this.#host.removeKey(keyFromBase64(key.trim(), 'key'));
    this.#logger.info({ keys: this.#host.keys().length }, 'gossip key removed');
    await this.#saveKeys(this.#host.keys());
  }

  clusterKeys(
    action: ClusterKeyAction,
    key?: string,
    signal?: AbortSignal,
  ): Promise<ClusterKeysResult> {
    let raw: Uint8Array | null = null;
    try {
      if (action !== 'list') raw = keyFromBase64((key ?? '').trim(), 'key');
      this.#assertRunning('keys');
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#keyOperationsWaiting >= CLUSTER_KEY_OPERATIONS_WAITING_MAX) {
      return Promise.reject(
        new RemoteError(
          'HEARSAY_ERR_QUEUE_FULL',
          `keys: ${CLUSTER_KEY_OPERATIONS_WAITING_MAX} cluster key operations are already waiting`,
        ),
      );
    }
    this.#keyOperationsWaiting++;
    const run = this.#keyChain
      .then(() => this.#runKeyOperation(action, raw))
      .finally(() => {
        this.#keyOperationsWaiting--;
      });
    this.#keyChain = run.catch(() => undefined);
    return abortable(run, signal);
  }

  #runKeyOperation(action: ClusterKeyAction, key: Uint8Array | null): Promise<ClusterKeysResult> {
    return new Promise<ClusterKeysResult>((resolve, reject) => {
      this.#assertRunning('keys');
      let watchdog: NodeJS.Timeout | undefined;
      try {
        this.#host.invoke((node, ctx) => {
          const q = node.keyOperation(ctx, action, key);
          // The Serf layer closes the operation at the query's deadline; this is the backstop.
          const waitMs = Math.min(TIMER_DELAY_MS_MAX, q.deadlineMs - ctx.now + WATCHDOG_SLACK_MS);
          watchdog = setTimeout(() => {
            this.#keyWaiters.delete(q.ltime);
            reject(new Error(`keys: no result from the ${action} query within ${waitMs} ms`));
          }, waitMs);
          // Registered before this call's events (a one-member cluster's result) are flushed.
          this.#keyWaiters.set(q.ltime, (result) => {
            clearTimeout(watchdog);
            this.#keyWaiters.delete(q.ltime);
            if (result === null) reject(new Error('keys: the member was shut down'));
            else resolve(clusterKeysOf(result));
          });
        });
      } catch (err) {
        clearTimeout(watchdog);
        reject(err);
      }
    });
  }

  // ── counters and clocks ────────────────────────────────────────────────────────────

  stats(): ClusterStats {
    const node = this.#host.protocol;
    return clusterStatsOf({
      members: this.members(),
      host: this.#host.stats(),
      swimDropped: node.swim.dropped,
      serf: node.stats,
      serfQueries: node.queryStats,
      broadcastQueueDepth: node.swim.broadcastsQueued() + node.broadcastsQueued(),
      healthScore: node.swim.healthScore(),
      counters: this.#counters,
    });
  }

  clocks(): LamportClocks {
    const node = this.#host.protocol;
    return {
      member: node.clock.time(),
      event: node.eventClock.time(),
      query: node.queryClock.time(),
    };
  }

  restoreClocks(clocks: LamportClocks): void {
    this.#host.protocol.restoreClocks(clocks);
  }

  #assertRunning(what: string): void {
    if (this.#shutdown !== undefined || !this.#host.running) {
      throw new Error(`${what}: the member is shut down`);
    }
  }

  #incomingQuery(e: Extract<SerfNodeEvent, { type: 'query' }>): IncomingQuery {
    return {
      name: e.name,
      payload: e.payload ?? EMPTY,
      from: e.sourceNode,
      ltime: e.ltime,
      respond: (payload) => {
        if (!this.#host.running) return false;
        try {
          this.#host.invoke((node, ctx) => node.respond(ctx, e.key, payload));
          return true;
        } catch (err) {
          // Too late, answered already, or too large: the seam says false.
          if (err instanceof ConfigError) {
            this.#logger.debug({ query: e.name, reason: detailOf(err) }, 'query answer not sent');
            return false;
          }
          throw err;
        }
      },
    };
  }

  /** @internal From the host. */
  onEvent(e: SerfNodeEvent): void {
    switch (e.type) {
      case 'member-join':
      case 'member-update':
        this.#pins.pin(e.member);
        this.#emit({ type: e.type, member: agentMemberOf(e.member) });
        return;
      case 'member-leave':
      case 'member-failed':
        this.#emit({ type: e.type, member: agentMemberOf(e.member) });
        return;
      case 'member-reap':
        this.#pins.unpin(e.member.name);
        this.#emit({ type: e.type, member: agentMemberOf(e.member) });
        return;
      case 'member-reaped':
        this.#pins.unpin(e.name);
        return;
      case 'join-succeeded':
      case 'join-failed':
        this.#joins.settle(e);
        return;
      case 'serf-left':
        this.#leaveWaiter?.({ type: 'serf-left' });
        return;
      case 'member-suspect':
        this.#logger.info(
          { event: e.type, member: e.member.name, from: e.from },
          `member-suspect ${e.member.name}`,
        );
        return;
      // The three below are memberlist's own INFO lines ("Suspect X has failed, no acks
      // received", "Marking X as failed, suspect timeout reached (N peer confirmations)"):
      // how long a failure took to be declared, and on whose word, is read from them.
      case 'probe-failed':
        this.#logger.info(
          {
            event: e.type,
            member: e.target,
            helpers: e.helpers,
            nacks: e.nacks,
            nacksExpected: e.nacksExpected,
          },
          `probe-failed ${e.target}: no ack`,
        );
        return;
      case 'suspicion-confirmed':
        this.#logger.debug(
          {
            event: e.type,
            member: e.name,
            from: e.from,
            confirmations: e.confirmations,
            timeoutMs: e.timeoutMs,
          },
          `suspicion-confirmed ${e.name}`,
        );
        return;
      case 'suspicion-expired':
        this.#logger.info(
          { event: e.type, member: e.name, confirmations: e.confirmations, timeoutMs: e.timeoutMs },
          `suspicion-expired ${e.name}: declared failed`,
        );
        return;
      case 'name-conflict':
        this.#logger.warn({ event: e.type, ...e }, 'another node claims a member name');
        return;
      case 'serf-bad-input':
        this.#logger.debug({ event: e.type, source: e.source, code: e.code }, e.message);
        return;
      case 'user-event': {
        const event: UserEvent = {
          name: e.name,
          payload: e.payload ?? EMPTY,
          ltime: e.ltime,
          coalesce: e.coalesce,
        };
        this.#fanOut(this.#userListeners, event, 'user-event');
        return;
      }
      case 'query':
        this.#fanOut(this.#queryListeners, this.#incomingQuery(e), 'query');
        return;
      case 'query-ack':
      case 'query-response':
        this.#queries.answer(e);
        return;
      case 'query-done':
        this.#queries.done(e.ltime, e.id);
        return;
      case 'key-query-done': {
        const r = e.result;
        this.#logger.info(
          {
            event: e.type,
            operation: r.operation,
            numNodes: r.numNodes,
            numResp: r.numResp,
            numErr: r.numErr,
          },
          `cluster key ${r.operation}: ${r.numResp}/${r.numNodes} members answered, ${r.numErr} failed`,
        );
        this.#keyWaiters.get(e.ltime)?.(r);
        return;
      }
      case 'serf-conflict-lost':
        this.#logger.error(
          { event: e.type, matching: e.matching, responses: e.responses },
          'another node holds this name and the cluster sided with it: this member stopped (as Serf does); restart it with another --name',
        );
        return;
      default:
        if (this.#logger.isLevelEnabled('trace')) this.#logger.trace({ event: e }, e.type);
    }
  }

  /** @internal From the host: remember why a push/pull failed, for the join's error. */
  onStreamFailure(f: StreamFailure): void {
    this.#joins.streamFailed(f);
  }

  #emit(event: MemberEvent): void {
    this.#fanOut(this.#listeners, event, event.type);
  }

  #fanOut<V>(listeners: ReadonlySet<(v: V) => void>, value: V, what: string): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A listener's bug must not stop the member.
        this.#logger.error({ err }, `a ${what} listener threw`);
      }
    }
  }
}

const EMPTY = new Uint8Array(0);

/** The Serf layer's counts as the seam's plain objects; keys and primaries for list only. */
export function clusterKeysOf(r: KeyOperationResult): ClusterKeysResult {
  const out = {
    numNodes: r.numNodes,
    numResp: r.numResp,
    numErr: r.numErr,
    messages: Object.fromEntries(r.messages),
  };
  if (r.operation !== 'list') return out;
  return {
    ...out,
    keys: Object.fromEntries(r.keys),
    primaryKeys: Object.fromEntries(r.primaryKeys),
  };
}

/** A ConfigError's message without its `field: ` prefix. */
function detailOf(err: ConfigError): string {
  const prefix = `${err.field}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** Serf's `_serf_` prefix: its own queries; a user may send only a payload-less ping. */
const INTERNAL_QUERY_PREFIX = '_serf_';
/** Longest query timeout we ask for (the Serf layer clamps peers' to the same hour). */
export const QUERY_TIMEOUT_MS_MAX = 3_600_000;

/** The seam's query arguments, checked with the field a caller set. */
function checkQueryParams(p: QueryParams): void {
  if (p.name.length === 0) throw new ConfigError('name', 'must be a non-empty query name');
  if (
    p.name.startsWith(INTERNAL_QUERY_PREFIX) &&
    !(p.name === '_serf_ping' && p.payload.length === 0)
  ) {
    throw new ConfigError(
      'name',
      `must not start with ${INTERNAL_QUERY_PREFIX} (Serf's own queries)`,
    );
  }
  const t = p.timeoutMs;
  if (t !== undefined && !(Number.isFinite(t) && t > 0 && t <= QUERY_TIMEOUT_MS_MAX)) {
    throw new ConfigError('timeoutMs', `must be in (0, ${QUERY_TIMEOUT_MS_MAX}] ms, got ${t}`);
  }
  for (const node of p.filterNodes ?? []) {
    if (node.length === 0) throw new ConfigError('filterNodes', 'must not contain an empty name');
  }
  for (const tag of Object.keys(p.filterTags ?? {})) {
    if (tag.length === 0) throw new ConfigError('filterTags', 'must not contain an empty tag name');
  }
}
