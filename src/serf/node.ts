/**
 * SerfNode: HashiCorp Serf's membership layer (Serf 0.9.x, protocol 5) on top of our SWIM
 * node, as a sans-I/O state machine, so a hearsay node is a full member of a real Serf
 * cluster.
 *
 * Calling order (src/core/protocol.ts): `start`, then any number of `handleMessage` /
 * `handleTimer`, then `stop`. Application commands — `join`, `leave`, `setTags`,
 * `sendEvent`, `query`, `respond` — take the context too; `members()` and `localMember()`
 * read state.
 *
 * Structure. The node owns a `SwimNode` and is its delegate (memberlist's Delegate,
 * EventDelegate and PingDelegate in one):
 *
 *   - `nodeMeta`: our tags, encoded once (`tags.ts`);
 *   - `notifyUserMessage`: Serf messages from peers; bytes that do not decode are a
 *     `serf-bad-input` event and are dropped — nothing a peer sends throws out of the node;
 *   - `getBroadcasts`: Serf's three transmit-limited queues, intents first, then queries,
 *     then events (`broadcast-queue.ts`);
 *   - `localState` / `mergeRemoteState`: Serf's push/pull state (`push-pull.ts`);
 *   - `notifyJoin/Leave/Update`: memberlist's view, fed to the member table
 *     (`member-table.ts`, rules in `status.ts`);
 *   - `ackPayload`: a network coordinate (`coordinate.ts`); `notifyPingComplete` validates
 *     the peer's.
 *
 * The SwimNode gets a forwarding context (`context.ts`) that lets the Serf layer see two
 * SWIM lifecycle events (join succeeded, leave sent, a name conflict) and hides SWIM's member
 * events, which Serf's replace. Timers are SWIM's kinds plus Serf's (`serf-reap`,
 * `serf-leave`, `serf-reconnect`, `serf-query`), routed by kind.
 *
 * User events (`user-events.ts`) and queries (`queries.ts`, `query-engine.ts`) ride on the
 * same delegate: their own Lamport clocks, dedup rings and broadcast queues.
 *
 * Clocks (`lamport.ts`): member (intents), event (user events), query. Intents are
 * witnessed before anything is decided, as in Serf.
 *
 * Graceful leave (serf-layer.md §5.3) is a small phase machine: `intent` (our leave intent
 * is queued; wait until it has been sent its full count, or `broadcastTimeoutMs`) →
 * `memberlist` (SwimNode.leave: dead(self) gossiped, wait for SWIM's `left`) → `propagate`
 * (keep answering probes for `leavePropagateDelayMs`) → `serf-left` event. Whether our
 * intent is still queued is checked after every call into the SwimNode, since gossip is
 * what drains the queue.
 *
 * Key-management queries reach the host's keyring through `SerfDeps.keyring`; asking them of
 * the whole cluster (`keyOperation`, Serf's `KeyManager`) is key-manager.ts, which sees the
 * query engine's events first and turns a key query's answers into one `key-query-done`.
 *
 * Left out: Vivaldi; snapshots and event coalescing (agent features, src/agent).
 */

import { assert, isRemoteError } from '../core/errors.ts';
import { NO_PEER, type NodeId, type Protocol } from '../core/protocol.ts';
import { type SwimConfig, swimConfig } from '../membership/swim/config.ts';
import type { SwimEvent } from '../membership/swim/events.ts';
import { type SwimContext, SwimNode, type SwimTimer } from '../membership/swim/node.ts';
import type {
  AddressMap,
  Member,
  MemberAddress,
  MembershipDelegate,
  SwimMessage,
} from '../membership/types.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../membership/wire/serf/codec.ts';
import { decodePingPayload } from '../membership/wire/serf/coordinate.ts';
import type { SerfJoin, SerfLeave, SerfMessage } from '../membership/wire/serf/messages.ts';
import { decodeTags } from '../membership/wire/serf/tags.ts';
import { retransmitLimit, SerfBroadcastQueue } from './broadcast-queue.ts';
import type { SerfConfig } from './config.ts';
import {
  SERF_TIMERS,
  type SerfContext,
  type SerfNodeEvent,
  type SerfTimer,
  SwimFacingContext,
} from './context.ts';
import { INITIAL_COORDINATE_PAYLOAD } from './coordinate.ts';
import type { SerfEvent, SerfInputSource, SerfMember } from './events.ts';
import { IntentBuffer } from './intents.ts';
import { type KeyOperation, KeyOperations, keyRequestPayload } from './key-manager.ts';
import { KEY_QUERY, type SerfKeyring } from './key-queries.ts';
import { LamportClock } from './lamport.ts';
import { type MemberlistNode, type MemberRecord, MemberTable } from './member-table.ts';
import { localPushPull, planMerge } from './push-pull.ts';
import type { QueryParams } from './queries.ts';
import { QueryEngine, type QueryStats } from './query-engine.ts';
import { encodeOwnMeta, normalizeTags, type TagsInput } from './tags.ts';
import { buildUserEvent, UserEventLog, type UserEventVerdict } from './user-events.ts';

/** Serf's own life cycle (Serf's `SerfState`). */
export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

type LeavePhase = 'none' | 'intent' | 'memberlist' | 'propagate' | 'done';

export interface SerfDeps {
  readonly addresses: AddressMap;
  /**
   * The host's gossip keyring, which `serf keys` changes through internal queries
   * (key-queries.ts). Absent: those queries are answered "encryption not enabled".
   */
  readonly keyring?: SerfKeyring;
}

/** Counters for what the node refused or dropped (hosts turn them into metrics). */
export interface SerfStats {
  /** Peer input dropped: undecodable, or a valid message in the wrong place. */
  badInput: number;
  /** User events not delivered, by reason (duplicates are normal: gossip repeats). */
  userEventsDropped: Record<Exclude<UserEventVerdict, 'new'>, number>;
  /** Stale intents (not newer than what we hold): dropped, not re-gossiped. */
  staleIntents: number;
  /** Leave intents about ourselves refuted with a fresh join intent. */
  refutedLeaves: number;
}

export class SerfNode implements Protocol<SwimMessage, SwimTimer | SerfTimer, SerfNodeEvent> {
  readonly config: SerfConfig;
  readonly swim: SwimNode;
  /** Member clock: join and leave intents. */
  readonly clock = new LamportClock();
  /** User events. */
  readonly eventClock = new LamportClock();
  readonly queryClock = new LamportClock();
  readonly stats: SerfStats = {
    badInput: 0,
    userEventsDropped: { 'too-old': 0, 'before-min-time': 0, duplicate: 0, 'slot-full': 0 },
    staleIntents: 0,
    refutedLeaves: 0,
  };

  readonly #intents: IntentBuffer;
  readonly #userEvents: UserEventLog;
  readonly #table: MemberTable;
  readonly #intentQueue: SerfBroadcastQueue;
  readonly #queryQueue: SerfBroadcastQueue;
  readonly #eventQueue: SerfBroadcastQueue;
  readonly #ctx: SwimFacingContext;
  readonly #queries: QueryEngine;
  readonly #addresses: AddressMap;
  readonly #keyring: SerfKeyring | undefined;
  readonly #keyOperations: KeyOperations;
  #tags: ReadonlyMap<string, string>;
  #meta: Uint8Array;
  #state: SerfState = 'alive';
  #leavePhase: LeavePhase = 'none';
  #leaveIntentId = 0;
  /** Joins asked by the application and not yet answered: a success broadcasts our join intent. */
  #joinsPending = 0;
  /** A pending join does not replay old user events (Serf's `eventJoinIgnore`). */
  #joinIgnoresOldEvents = false;

  constructor(config: SerfConfig, swim: SwimConfig, deps: SerfDeps) {
    this.config = config;
    this.#tags = config.tags;
    this.#meta = encodeOwnMeta(config.tags, config.protocolVersion, 'tags');
    this.#intents = new IntentBuffer(config.recentIntentsMax);
    this.#table = new MemberTable(this.#intents);
    this.#userEvents = new UserEventLog(
      this.eventClock,
      config.eventBufferSlots,
      config.limits.eventsPerSlotMax,
    );
    this.#intentQueue = new SerfBroadcastQueue(config.broadcastQueueDepthMax);
    this.#queryQueue = new SerfBroadcastQueue(config.broadcastQueueDepthMax);
    this.#eventQueue = new SerfBroadcastQueue(config.broadcastQueueDepthMax);
    this.#ctx = new SwimFacingContext((e) => this.#onSwimEvent(e));
    this.#addresses = deps.addresses;
    this.#keyring = deps.keyring;
    this.#keyOperations = new KeyOperations(config.limits);
    this.#queries = new QueryEngine(this.#queryHost());
    // Serf's memberlist speaks the node's name and advertises Serf's versions as the
    // delegate versions (serf-layer.md §1).
    const memberlistConfig = swimConfig(
      {
        name: config.name,
        delegateVersionMin: 2,
        delegateVersionMax: 5,
        delegateVersion: config.protocolVersion,
      },
      swim,
    );
    this.swim = new SwimNode(memberlistConfig, {
      addresses: deps.addresses,
      delegate: this.#delegate(),
    });
  }

  /** Query counters (dropped, unroutable answers, refused relays). */
  get queryStats(): QueryStats {
    return this.#queries.stats;
  }

  get state(): SerfState {
    return this.#state;
  }

  /** Our tags as currently advertised. */
  get tags(): ReadonlyMap<string, string> {
    return this.#tags;
  }

  // --- protocol inputs ---------------------------------------------------------------

  start(ctx: SerfContext): void {
    this.#call(ctx, () => {
      this.swim.start(this.#ctx);
      // memberlist reports the local node to its event delegate at start; make sure the
      // record exists even if it did not.
      const self = this.swim.localMember();
      if (self !== undefined && this.#table.get(this.config.name) === undefined) {
        this.#table.memberlistJoin(this.#nodeOf(self));
      }
      ctx.setTimer('serf-reap', this.config.reapIntervalMs);
      ctx.setTimer('serf-reconnect', this.config.reconnectIntervalMs);
    });
  }

  stop(ctx: SerfContext): void {
    this.#call(ctx, () => this.#shutdown());
  }

  handleMessage(ctx: SerfContext, from: NodeId, msg: SwimMessage): void {
    this.#call(ctx, () => this.swim.handleMessage(this.#ctx, from, msg));
  }

  handleTimer(ctx: SerfContext, timer: SwimTimer | SerfTimer): void {
    this.#call(ctx, () => {
      switch (timer) {
        case 'serf-reap':
          this.#reap();
          ctx.setTimer('serf-reap', this.config.reapIntervalMs);
          return;
        case 'serf-reconnect':
          this.#reconnect();
          ctx.setTimer('serf-reconnect', this.config.reconnectIntervalMs);
          return;
        case 'serf-leave':
          this.#onLeaveTimer();
          return;
        case 'serf-query':
          this.#queries.onTimer();
          return;
        default:
          this.swim.handleTimer(this.#ctx, timer);
      }
    });
  }

  // --- application commands ------------------------------------------------------------

  /**
   * Joins the cluster through `seeds` (memberlist push/pull). When a seed answers, our join
   * intent is broadcast (serf-layer.md §5.2). Unless `replayEvents`, user events older than
   * the seed's event clock are not delivered (the agent's default, `-replay=false`).
   */
  join(
    ctx: SerfContext,
    seeds: readonly MemberAddress[],
    opts: { readonly replayEvents?: boolean } = {},
  ): void {
    this.#call(ctx, () => {
      this.#joinsPending++;
      this.#joinIgnoresOldEvents = opts.replayEvents !== true;
      this.swim.join(this.#ctx, seeds);
    });
  }

  /**
   * Restores the three Lamport clocks a previous run of this node saved (Serf's snapshot):
   * each clock witnesses its saved time, and user events and queries older than the saved
   * times are no longer delivered, so a restarted node does not run old events' handlers
   * again when gossip or push/pull brings them back. Call before `join`.
   */
  restoreClocks(clocks: {
    readonly member: bigint;
    readonly event: bigint;
    readonly query: bigint;
  }): void {
    // A saved time is the clock's value, the next time to stamp: witnessing t − 1 makes
    // the clock at least t, and everything stamped before it is old.
    if (clocks.member > 0n) this.clock.witness(clocks.member - 1n);
    if (clocks.event > 0n) this.eventClock.witness(clocks.event - 1n);
    if (clocks.query > 0n) this.queryClock.witness(clocks.query - 1n);
    if (clocks.event > this.#userEvents.minTime) this.#userEvents.minTime = clocks.event;
    this.#queries.raiseMinTime(clocks.query);
  }

  /**
   * Sends a user event to every member (and delivers it here first). `coalesce` lets
   * receiving agents merge bursts of the same name. Throws `ConfigError('userEvent')` when
   * name + payload, or the encoded event, exceed `userEventSizeLimitBytes`.
   */
  sendEvent(ctx: SerfContext, name: string, payload: Uint8Array, coalesce = true): void {
    const { msg, bytes } = buildUserEvent(
      this.eventClock,
      name,
      payload,
      coalesce,
      this.config.userEventSizeLimitBytes,
    );
    this.#call(ctx, () => {
      this.eventClock.increment();
      this.#receiveUserEvent(msg.ltime, msg.name, msg.payload, msg.cc);
      this.#eventQueue.queue(bytes);
    });
  }

  /**
   * Graceful leave (serf-layer.md §5.3): our leave intent first, then memberlist's leave,
   * then the propagation delay; `serf-left` is emitted at the end. A second call while
   * leaving, or after, does nothing.
   */
  leave(ctx: SerfContext): void {
    this.#call(ctx, () => {
      if (this.#state !== 'alive') return;
      this.#state = 'leaving';
      const msg: SerfLeave = {
        type: 'leave',
        ltime: this.clock.time(),
        node: this.config.name,
        prune: false,
      };
      this.clock.increment();
      this.#handleLeaveIntent(msg);
      if (this.#hasAliveMembers()) {
        this.#leaveIntentId = this.#intentQueue.queue(encodeSerfMessage(msg));
        this.#leavePhase = 'intent';
        ctx.setTimer('serf-leave', this.config.broadcastTimeoutMs);
      } else {
        this.#leaveMemberlist();
      }
    });
  }

  /**
   * Asks every member (or those the filters select) a query; answers arrive as `query-ack`
   * and `query-response` events, and `query-done` at the deadline. Returns the query's
   * Lamport time, id and deadline. Throws `ConfigError('query…')` for a bad argument or an
   * oversize query (or a `_serf_` name other than a payload-less `_serf_ping`), and
   * `RemoteError(HEARSAY_ERR_QUEUE_FULL)` when `openQueriesMax` queries are open.
   */
  query(
    ctx: SerfContext,
    name: string,
    payload: Uint8Array,
    params: QueryParams = {},
  ): { readonly ltime: bigint; readonly id: number; readonly deadlineMs: number } {
    let out: { ltime: bigint; id: number; deadlineMs: number } | undefined;
    this.#call(ctx, () => {
      out = this.#queries.query(name, payload, params);
    });
    return out!;
  }

  /**
   * Serf's `KeyManager`: asks every member to install, use or remove `key` (raw bytes; not
   * checked here — each member's keyring judges it) or to list its keys, as `serf keys`
   * does, with the default query timeout unless `params` says otherwise. One
   * `key-query-done` event with the same `ltime` carries the counts once every live member
   * has answered, or at the deadline. `numNodes` is the live members counted. Throws like
   * `query` (`RemoteError(HEARSAY_ERR_QUEUE_FULL)` when too many queries are open).
   */
  keyOperation(
    ctx: SerfContext,
    operation: KeyOperation,
    key: Uint8Array | null,
    params: Pick<QueryParams, 'relayFactor' | 'timeoutMs'> = {},
  ): {
    readonly ltime: bigint;
    readonly id: number;
    readonly deadlineMs: number;
    readonly numNodes: number;
  } {
    let out: { ltime: bigint; id: number; deadlineMs: number; numNodes: number } | undefined;
    this.#call(ctx, () => {
      const payload = keyRequestPayload(operation === 'list' ? null : key);
      const numNodes = this.swim.numMembers();
      // Our own answer arrives while the query is sent: register under the time it will carry.
      const ltime = this.queryClock.time();
      this.#keyOperations.begin(ltime, operation, numNodes);
      try {
        const q = this.#queries.query(
          KEY_QUERY[operation],
          payload,
          { relayFactor: params.relayFactor, timeoutMs: params.timeoutMs },
          true,
        );
        assert(q.ltime === ltime, 'a query is stamped with the query clock as it was');
        out = { ...q, numNodes };
      } catch (e) {
        this.#keyOperations.abandon(ltime);
        throw e;
      }
    });
    return out!;
  }

  /**
   * Answers a query delivered as a `query` event (`key` from the event), once, before its
   * deadline. Throws `ConfigError('query')` otherwise, or when the response is too large.
   */
  respond(ctx: SerfContext, key: number, payload: Uint8Array): void {
    this.#call(ctx, () => this.#queries.respond(key, payload));
  }

  /**
   * Replaces our tags and advertises them (a new alive with a higher incarnation). Throws
   * `ConfigError('tags')` when they do not fit memberlist's 512-byte meta; nothing changes
   * then.
   */
  setTags(ctx: SerfContext, tags: TagsInput): void {
    const normalized = normalizeTags(tags, 'tags');
    const meta = encodeOwnMeta(normalized, this.config.protocolVersion, 'tags');
    this.#call(ctx, () => {
      this.#tags = normalized;
      this.#meta = meta;
      this.swim.updateMeta(this.#ctx);
      // memberlist tells its event delegate about our own update; if the SWIM layer did
      // not, keep our own record right anyway.
      const self = this.#table.get(this.config.name);
      if (self !== undefined && self.tags !== normalized && !sameTags(self.tags, normalized)) {
        const local = this.swim.localMember();
        this.#table.memberlistUpdate(
          local !== undefined ? this.#nodeOf(local) : { ...recordNode(self), tags: normalized },
        );
      }
    });
  }

  // --- reading state -------------------------------------------------------------------

  /** Every member Serf knows (failed and left ones until reaped), ourselves included. */
  members(): SerfMember[] {
    const out: SerfMember[] = [];
    for (const r of this.#table.values()) out.push(this.#snapshot(r, true));
    return out;
  }

  member(name: string): SerfMember | undefined {
    const r = this.#table.get(name);
    return r === undefined ? undefined : this.#snapshot(r, true);
  }

  localMember(): SerfMember | undefined {
    return this.member(this.config.name);
  }

  /** Messages waiting in Serf's three broadcast queues (intents, queries, events). */
  broadcastsQueued(): number {
    return this.#intentQueue.size + this.#queryQueue.size + this.#eventQueue.size;
  }

  // --- the delegate --------------------------------------------------------------------

  #delegate(): MembershipDelegate<SwimContext> {
    return {
      nodeMeta: () => this.#meta,
      notifyUserMessage: (_ctx, payload) => this.#onUserMessage(payload),
      getBroadcasts: (overheadBytes, limitBytes) => this.#getBroadcasts(overheadBytes, limitBytes),
      localState: () =>
        encodeSerfMessage(
          localPushPull(
            {
              member: this.clock.time(),
              event: this.eventClock.time(),
              query: this.queryClock.time(),
            },
            this.#table,
            this.#userEvents.pushPullSlots(),
          ),
        ),
      mergeRemoteState: (_ctx, state, join) => this.#onRemoteState(state, join),
      notifyJoin: (_ctx, member) => this.#onMemberlist('join', member),
      notifyLeave: (_ctx, member) => this.#onMemberlist('leave', member),
      notifyUpdate: (_ctx, member) => this.#onMemberlist('update', member),
      ackPayload: () => (this.config.coordinatesEnabled ? INITIAL_COORDINATE_PAYLOAD : null),
      notifyPingComplete: (_ctx, _member, _rttMs, payload) => this.#onPingPayload(payload),
    };
  }

  #onUserMessage(payload: Uint8Array): void {
    // Serf ignores an empty user message.
    if (payload.length === 0) return;
    const msg = this.#decode(payload, 'user-message');
    if (msg === null) return;
    switch (msg.type) {
      case 'join':
        if (this.#handleJoinIntent(msg)) this.#intentQueue.queue(payload.slice());
        return;
      case 'leave':
        if (this.#handleLeaveIntent(msg)) this.#intentQueue.queue(payload.slice());
        return;
      case 'userEvent':
        if (this.#receiveUserEvent(msg.ltime, msg.name, msg.payload, msg.cc)) {
          this.#eventQueue.queue(payload.slice());
        }
        return;
      case 'query':
        if (this.#queries.receiveQuery(msg)) this.#queryQueue.queue(payload.slice());
        return;
      case 'queryResponse':
        this.#queries.receiveResponse(msg);
        return;
      case 'relay':
        this.#queries.receiveRelay(msg);
        return;
      default:
        // pushPull travels as user state, the other types only inside a query or response.
        this.#badInput(
          'user-message',
          'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
          `serf: ${msg.type} is not valid as a user message`,
        );
    }
  }

  #onRemoteState(state: Uint8Array, join: boolean): void {
    if (state.length === 0) return;
    const msg = this.#decode(state, 'push-pull');
    if (msg === null) return;
    if (msg.type !== 'pushPull') {
      this.#badInput(
        'push-pull',
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `serf: push/pull state is a ${msg.type} message`,
      );
      return;
    }
    const plan = planMerge(msg);
    if (plan.witness.member !== null) this.clock.witness(plan.witness.member);
    if (plan.witness.event !== null) this.eventClock.witness(plan.witness.event);
    if (plan.witness.query !== null) this.queryClock.witness(plan.witness.query);
    // Intents learnt by push/pull are applied but not re-gossiped, as in Serf.
    for (const intent of plan.intents) {
      if (intent.type === 'leave') {
        this.#handleLeaveIntent({
          type: 'leave',
          node: intent.node,
          ltime: intent.ltime,
          prune: false,
        });
      } else {
        this.#handleJoinIntent({ type: 'join', node: intent.node, ltime: intent.ltime });
      }
    }
    this.#flushMemberEvents();
    // Serf's join without replay: nothing older than the peer's event clock is delivered.
    if (join && this.#joinsPending > 0 && this.#joinIgnoresOldEvents) {
      if (msg.eventLTime > this.#userEvents.minTime) this.#userEvents.minTime = msg.eventLTime;
    }
    for (const slot of msg.events ?? []) {
      if (slot === null) continue;
      for (const e of slot.events ?? []) {
        this.#receiveUserEvent(slot.ltime, e.name, e.payload, false);
      }
    }
  }

  /** The user-event receive path; delivers and returns true when the event is new. */
  #receiveUserEvent(
    ltime: bigint,
    name: string,
    payload: Uint8Array | null,
    coalesce: boolean,
  ): boolean {
    const verdict = this.#userEvents.receive(ltime, name, payload);
    if (verdict !== 'new') {
      this.stats.userEventsDropped[verdict]++;
      return false;
    }
    this.#ctx.emitSerf({ type: 'user-event', ltime, name, payload, coalesce });
    return true;
  }

  #onMemberlist(kind: 'join' | 'leave' | 'update', member: Member): void {
    if (kind === 'leave') this.#table.memberlistLeave(member.name, this.#ctx.now);
    else if (kind === 'join') this.#table.memberlistJoin(this.#nodeOf(member));
    else this.#table.memberlistUpdate(this.#nodeOf(member));
    this.#flushMemberEvents();
  }

  #onPingPayload(payload: Uint8Array | null): void {
    // A peer without coordinates (plain memberlist, or Serf with them disabled) sends none.
    if (payload === null || payload.length === 0) return;
    try {
      decodePingPayload(payload, this.config.limits);
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      this.#badInput('ack-payload', e.code, e.message);
    }
  }

  #getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    const transmitLimit = retransmitLimit(this.config.retransmitMult, this.#table.size);
    const out = this.#intentQueue.getBroadcasts(overheadBytes, limitBytes, transmitLimit);
    let usedBytes = 0;
    for (const b of out) usedBytes += overheadBytes + b.length;
    for (const q of [this.#queryQueue, this.#eventQueue]) {
      if (q.size === 0) continue;
      for (const b of q.getBroadcasts(overheadBytes, limitBytes - usedBytes, transmitLimit)) {
        usedBytes += overheadBytes + b.length;
        out.push(b);
      }
    }
    return out;
  }

  // --- intents -------------------------------------------------------------------------

  /** Serf's `handleNodeJoinIntent`. Returns whether to re-gossip. */
  #handleJoinIntent(msg: SerfJoin): boolean {
    this.clock.witness(msg.ltime);
    const changed = this.#table.joinIntent(msg.node, msg.ltime, this.#ctx.now);
    if (!changed) this.stats.staleIntents++;
    return changed;
  }

  /** Serf's `handleNodeLeaveIntent`. Returns whether to re-gossip. */
  #handleLeaveIntent(msg: SerfLeave): boolean {
    this.clock.witness(msg.ltime);
    const known = this.#table.get(msg.node) !== undefined;
    if (known && !this.#table.isNewer(msg.node, msg.ltime)) {
      this.stats.staleIntents++;
      return false;
    }
    // Someone says we leave while we are not: an old leave came back, or a force-leave.
    // Refute with a fresh join intent instead of applying it.
    if (known && msg.node === this.config.name && this.#state === 'alive') {
      this.stats.refutedLeaves++;
      this.#broadcastJoin(this.clock.time());
      return false;
    }
    const changed = this.#table.leaveIntent(
      msg.node,
      msg.ltime,
      msg.prune,
      this.#ctx.now,
      this.config.broadcastTimeoutMs + this.config.leavePropagateDelayMs,
    );
    this.#flushMemberEvents();
    if (!changed) this.stats.staleIntents++;
    return changed;
  }

  /** Serf's `broadcastJoin`: stamp, witness our own time, apply locally, gossip. */
  #broadcastJoin(ltime: bigint): void {
    const msg: SerfJoin = { type: 'join', ltime, node: this.config.name };
    this.clock.witness(ltime);
    this.#table.joinIntent(msg.node, msg.ltime, this.#ctx.now);
    this.#intentQueue.queue(encodeSerfMessage(msg));
  }

  // --- SWIM lifecycle, leave, reaper, reconnect ----------------------------------------

  #onSwimEvent(event: SwimEvent): boolean {
    switch (event.type) {
      case 'member-join':
      case 'member-leave':
      case 'member-update':
        return false;
      case 'join-succeeded':
        if (this.#joinsPending > 0) {
          this.#joinsPending--;
          if (this.#state === 'alive') this.#broadcastJoin(this.clock.time());
        }
        return true;
      case 'join-failed':
        if (this.#joinsPending > 0) this.#joinsPending--;
        return true;
      case 'left':
        if (this.#leavePhase === 'memberlist') this.#startPropagateDelay();
        return true;
      case 'name-conflict':
        if (event.name === this.config.name && this.#state === 'alive') {
          this.#queries.onOwnNameConflict();
        }
        return true;
      default:
        return true;
    }
  }

  #leaveMemberlist(): void {
    this.#leavePhase = 'memberlist';
    // SWIM bounds its own wait by its leaveTimeoutMs; ours is the backstop if `left` never comes.
    this.#ctx.setTimer(
      'serf-leave',
      this.config.broadcastTimeoutMs + this.swim.config.leaveTimeoutMs,
    );
    this.swim.leave(this.#ctx);
  }

  #startPropagateDelay(): void {
    this.#leavePhase = 'propagate';
    this.#ctx.setTimer('serf-leave', this.config.leavePropagateDelayMs);
  }

  #onLeaveTimer(): void {
    switch (this.#leavePhase) {
      case 'intent':
        // Serf gives up the leave here with an error; going on with memberlist's leave
        // still tells the cluster, and the intent may yet arrive.
        this.#leaveMemberlist();
        return;
      case 'memberlist':
        this.#startPropagateDelay();
        return;
      case 'propagate':
        this.#leavePhase = 'done';
        if (this.#state === 'leaving') this.#state = 'left';
        this.#ctx.emitSerf({ type: 'serf-left' });
        return;
      default:
        return;
    }
  }

  /** After every call into the SwimNode: has gossip finished sending our leave intent? */
  #afterSwim(): void {
    if (this.#leavePhase === 'intent' && !this.#intentQueue.isPending(this.#leaveIntentId)) {
      this.#leaveMemberlist();
    }
  }

  #hasAliveMembers(): boolean {
    for (const r of this.#table.values()) {
      if (r.status === 'alive' && r.name !== this.config.name) return true;
    }
    return false;
  }

  #reap(): void {
    const now = this.#ctx.now;
    this.#table.reap(now, this.config);
    this.#intents.reap(now, this.config.recentIntentTimeoutMs);
    this.#flushMemberEvents();
  }

  /**
   * Serf's reconnect: with probability failed / alive, pick a failed member at random and
   * join it again at the memberlist level (no join intent), so a healed partition merges.
   */
  #reconnect(): void {
    if (this.#state !== 'alive') return;
    const failed: MemberRecord[] = [];
    let alive = 0;
    for (const r of this.#table.values()) {
      if (r.status === 'failed') failed.push(r);
      else if (r.status !== 'left') alive++;
    }
    if (failed.length === 0) return;
    const rng = this.#ctx.rng;
    if (rng.float() > failed.length / Math.max(alive, 1)) return;
    const target = failed[rng.int(failed.length)]!;
    this.swim.join(this.#ctx, [{ ip: target.ip, port: target.port }]);
  }

  /** What the query engine may use of this node. */
  #queryHost(): ConstructorParameters<typeof QueryEngine>[0] {
    return {
      config: this.config,
      queryClock: this.queryClock,
      nowMs: () => this.#ctx.now,
      randomInt: (n) => this.#ctx.rng.int(n),
      selfAddress: () => ({
        ip: this.swim.config.advertiseIp,
        port: this.swim.config.advertisePort,
      }),
      tags: () => this.#tags,
      members: () => this.#table.values(),
      aliveMembers: () => this.swim.numMembers(),
      gossipIntervalMs: () => this.swim.config.gossipIntervalMs,
      sendTo: (ip, port, bytes) => {
        const to = this.#addresses.idOf(ip, port);
        if (to === NO_PEER || to === this.#ctx.self) return false;
        this.#ctx.send(to, { type: 'user', payload: bytes });
        return true;
      },
      queueBroadcast: (bytes) => this.#queryQueue.queue(bytes),
      emit: (event) => this.#onQueryEvent(event),
      badInput: (source, code, message) => this.#badInput(source, code, message),
      armTimer: (delayMs) => this.#ctx.setTimer('serf-query', delayMs),
      keyring: () => this.#keyring,
      conflictLost: (matching, responses) => {
        this.#shutdown();
        this.#ctx.emitSerf({ type: 'serf-conflict-lost', matching, responses });
      },
    };
  }

  /** The query engine's events: a key operation's answers are counted, not passed on. */
  #onQueryEvent(event: SerfEvent): void {
    if (
      event.type === 'query-ack' ||
      event.type === 'query-response' ||
      event.type === 'query-done'
    ) {
      const seen = this.#keyOperations.observe(event);
      if (seen.bad !== null) {
        this.#badInput(
          'user-message',
          seen.bad.code,
          `serf: key query response: ${seen.bad.message}`,
        );
      }
      if (seen.done !== null) this.#ctx.emitSerf(seen.done);
      if (seen.consumed) return;
    }
    this.#ctx.emitSerf(event);
  }

  /** Serf's `Shutdown` from inside (a lost name conflict): stop SWIM and our timers. */
  #shutdown(): void {
    this.swim.stop(this.#ctx);
    for (const kind of SERF_TIMERS) this.#ctx.cancelTimer(kind);
    this.#state = 'shutdown';
  }

  // --- helpers -------------------------------------------------------------------------

  /** Runs `body` with the forwarding context pointed at `ctx`. */
  #call(ctx: SerfContext, body: () => void): void {
    const previous = this.#ctx.enter(ctx);
    try {
      body();
      this.#afterSwim();
      this.#flushMemberEvents();
    } finally {
      this.#ctx.exit(previous);
    }
  }

  #flushMemberEvents(): void {
    for (let e = this.#table.pollEvent(); e !== undefined; e = this.#table.pollEvent()) {
      this.#ctx.emitSerf({ type: e.type, member: this.#snapshot(e.record, false) });
    }
  }

  #decode(bytes: Uint8Array, source: SerfInputSource): SerfMessage | null {
    try {
      return decodeSerfMessage(bytes, this.config.limits);
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      this.#badInput(source, e.code, e.message);
      return null;
    }
  }

  #badInput(source: SerfInputSource, code: SerfEventCode, message: string): void {
    this.stats.badInput++;
    this.#ctx.emitSerf({ type: 'serf-bad-input', source, code, message });
  }

  #nodeOf(member: Member): MemberlistNode {
    let tags: ReadonlyMap<string, string>;
    try {
      tags = decodeTags(member.meta, this.config.limits);
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      // Serf logs undecodable tags and carries on with none.
      this.#badInput('meta', e.code, `${member.name}: ${e.message}`);
      tags = new Map();
    }
    return { name: member.name, ip: member.ip, port: member.port, tags, vsn: member.vsn };
  }

  #snapshot(r: MemberRecord, withSuspicion: boolean): SerfMember {
    let status: SerfMember['status'] = r.status;
    if (withSuspicion && status === 'alive' && this.swim.member(r.name)?.state === 'suspect') {
      status = 'suspect';
    }
    const v = r.vsn;
    return {
      name: r.name,
      ip: r.ip,
      port: r.port,
      tags: r.tags,
      status,
      protocolMin: v?.[0] ?? 0,
      protocolMax: v?.[1] ?? 0,
      protocolCur: v?.[2] ?? 0,
      delegateMin: v?.[3] ?? 0,
      delegateMax: v?.[4] ?? 0,
      delegateCur: v?.[5] ?? 0,
    };
  }
}

type SerfEventCode = Extract<SerfEvent, { type: 'serf-bad-input' }>['code'];

function recordNode(r: MemberRecord): MemberlistNode {
  return { name: r.name, ip: r.ip, port: r.port, tags: r.tags, vsn: r.vsn };
}

function sameTags(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
