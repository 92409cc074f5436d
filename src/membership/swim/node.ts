/**
 * SwimNode: SWIM with Lifeguard, as HashiCorp memberlist 0.2.2 runs it (memberlist-wire.md
 * §8), as a sans-I/O state machine. src/core/protocol.ts gives the calling order: `start`,
 * then any number of `handleMessage` / `handleTimer` and application commands (`join`,
 * `leave`, `updateMeta`, `sendUser`), then `stop`. Every entry point ends in `#flush`,
 * which emits what became due (the `left` event) and re-arms the `deadline` timer.
 *
 * Theory of operation, by memberlist function:
 *
 * - Member table (`member-table.ts`): memberlist's nodeMap + shuffled `m.nodes` probe list.
 * - Probing (`#runProbe` … `#probeEnd`, memberlist `probeNode`): one member per probe tick,
 *   round robin. A ping (with a suspect message if the target is suspect); after
 *   `probeTimeoutMs` without an ack, indirect pings through `indirectChecks` alive helpers
 *   (asking for nacks from those with protocol ≥ 4) and a TCP ping (targets with protocol
 *   ≥ 3); at probe start + awareness-scaled interval, success if any ack came (the TCP
 *   result is looked at only then, as in Go), otherwise suspect the target. A probe tick
 *   that arrives while a probe runs is kept (Go's ticker buffers one) and starts the next
 *   probe when this one ends, so a degraded node probes once per scaled interval.
 * - Helper role (`#onIndirectPing`): ping the target under a local sequence number, forward
 *   its ack with the requester's number, or a nack after `probeTimeoutMs` if asked.
 * - Lifeguard (`awareness.ts`, `suspicion.ts`, `formulas.ts`): awareness deltas per §8.2;
 *   suspicion timeouts shrink with independent confirmations per §8.3.
 * - Incarnation rules (`#applyAlive`, `#applySuspect`, `#applyDead`, `#refute`): memberlist
 *   `aliveNode`, `suspectNode`, `deadNode`, `refute`, line by line.
 * - Gossip (`broadcast-queue.ts`, `#gossip`, `#piggyback`): memberlist's transmit-limited
 *   queue, then the delegate's broadcasts in the room left; piggybacked on every probe
 *   message (ping, ack, nack, indirect ping, forwarded ack) and sent every gossip tick.
 * - Push/pull, join (`#startExchange`, `#onPushPull`): state exchanges over
 *   `ctx.sendReliable`; an incoming request is answered with `ctx.reply` before merging.
 *
 * How a reply is told from a request: the host delivers the answer to our
 * `sendReliable(peer, …)` as a message from `peer`; a request from a stranger's connection
 * comes from another id (the real host: the connection's ephemeral end). So a push/pull
 * from a peer we have an exchange open with is the reply; any other is a request. A timed
 * out exchange stays on record for another `tcpTimeoutMs`, so that a very late reply is
 * dropped instead of being answered as a request (which could ping-pong forever).
 *
 * Anything a peer sends is hostile: `shape.ts` rejects ill-formed objects, unknown and
 * unexpected kinds are dropped with a `message-dropped` event, every table has a bound
 * (`membersMax`, `pendingProbesMax`, `pushPullsInFlightMax`, `broadcastsMax`), and numbers
 * a peer controls (incarnations, sequence numbers) wrap as Go's uint32 do.
 */

import { ConfigError } from '../../core/errors.ts';
import type { Context, NodeId, Protocol } from '../../core/protocol.ts';
import { NO_PEER } from '../../core/protocol.ts';
import type {
  AddressMap,
  Member,
  MemberAddress,
  MembershipDelegate,
  SwimMessage,
} from '../types.ts';
import type {
  Ack,
  Alive,
  Dead,
  ErrResp,
  IndirectPing,
  Nack,
  Packet,
  PacketMessage,
  Ping,
  PushPull,
  Stream,
  StreamMessage,
  Suspect,
  User,
  Vsn,
} from '../wire/messages.ts';
import { addressString, ipString, sameBytes } from './address.ts';
import { Awareness } from './awareness.ts';
import { BroadcastQueue, type GossipMessage } from './broadcast-queue.ts';
import { META_BYTES_MAX, type SwimConfig, vsnOf } from './config.ts';
import { type Deadline, DeadlineHeap } from './deadlines.ts';
import type { SwimDropReason, SwimEvent } from './events.ts';
import {
  failedProbeAwarenessDelta,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionBounds,
} from './formulas.ts';
import { MemberRecord, MemberTable } from './member-table.ts';
import {
  COMPOUND_HEADER_BYTES,
  COMPOUND_PART_OVERHEAD_BYTES,
  COMPOUND_PARTS_SEND_MAX,
  CRC_PROTOCOL_MIN,
  compoundOf,
  finishPacket,
  USER_MSG_OVERHEAD_BYTES,
} from './packets.ts';
import { incompatibility, pushNodeStateOf } from './push-pull.ts';
import { NESTING_DEPTH_MAX, wellFormed } from './shape.ts';
import { packetMessageBytes } from './sizes.ts';
import { Suspicion } from './suspicion.ts';

/**
 * The node's timer kinds. The periodic ticks each have a kind; every one-off deadline
 * (probe timeouts, suspicion timers, helper nacks, TCP exchange deadlines, join retries,
 * the leave timeout) lives in the node's own deadline heap behind the single `deadline`.
 */
export type SwimTimer = 'probe' | 'gossip' | 'push-pull' | 'deadline';
export const SWIM_TIMERS: readonly SwimTimer[] = ['probe', 'gossip', 'push-pull', 'deadline'];

export type SwimContext = Context<SwimMessage, SwimTimer, SwimEvent>;

/** A member known from the start (experiments: see `SwimDeps.initialMembers`). */
export interface InitialMember extends MemberAddress {
  readonly name: string;
  readonly meta?: Uint8Array | null;
  readonly vsn?: Vsn | null;
}

export interface SwimDeps {
  readonly addresses: AddressMap;
  readonly delegate?: MembershipDelegate<SwimContext> | undefined;
  /**
   * Experiments only (not memberlist): members to hold as alive, incarnation 1, from the
   * start, as if learned long ago: no broadcast, `member-join` as usual. Lets a simulation
   * begin from a converged cluster instead of paying for the join storm (every joiner
   * re-gossips every alive it merges, as memberlist does).
   */
  readonly initialMembers?: (() => readonly InitialMember[]) | undefined;
}

/** Protocol version that added the TCP fallback ping, and nacks (memberlist §7.1). */
const TCP_PING_PROTOCOL_MIN = 3;
const NACK_PROTOCOL_MIN = 4;
const EMPTY = new Uint8Array(0);
/**
 * Join-burst syncs are at least this many `joinBurstSyncDelayMs` apart (before scaling with
 * the cluster's size): a cluster whose members join every few seconds for good would
 * otherwise run one full-state exchange per member per join.
 */
const BURST_SYNC_SPACING_DELAYS = 10;

// --- pending acks ----------------------------------------------------------------------

/** One probe of ours (memberlist `probeNode`). */
interface ProbeState {
  readonly kind: 'probe';
  readonly seqNo: number;
  readonly target: MemberRecord;
  /** The target's incarnation when the probe began: what a failure accuses. */
  readonly incarnation: number;
  readonly startedAtMs: number;
  /** Still waiting for the direct ack (before `probeTimeoutMs`). */
  direct: boolean;
  helpers: number;
  nacksExpected: number;
  nacks: number;
  tcpSeqNo: number;
  /** When the TCP fallback's ack came, or -1. */
  tcpAckAtMs: number;
  timeoutDeadline: Deadline<SwimContext> | null;
  endDeadline: Deadline<SwimContext> | null;
}

/** Our TCP fallback ping for a probe. It has its own sequence number (see docs/swim.md). */
interface TcpPingState {
  readonly kind: 'tcp';
  readonly seqNo: number;
  readonly probe: ProbeState;
}

/** A ping we send as a helper for someone else's indirect probe. */
interface HelperState {
  readonly kind: 'helper';
  readonly seqNo: number;
  readonly requesterSeqNo: number;
  readonly replyTo: NodeId;
  readonly nack: boolean;
  deadline: Deadline<SwimContext> | null;
}

type PendingAck = ProbeState | TcpPingState | HelperState;

// --- exchanges and joins ---------------------------------------------------------------

interface JoinAttempt {
  readonly seeds: readonly MemberAddress[];
  round: number;
  outstanding: number;
  contacted: number;
  failures: string[];
  done: boolean;
}

/** An outgoing push/pull waiting for its reply. */
interface Exchange {
  readonly peer: NodeId;
  readonly join: boolean;
  attempt: JoinAttempt | null;
  seedLabel: string;
  timedOut: boolean;
  deadline: Deadline<SwimContext> | null;
  readonly startedAtMs: number;
}

export class SwimNode implements Protocol<SwimMessage, SwimTimer, SwimEvent> {
  readonly config: SwimConfig;
  readonly vsn: Vsn;
  readonly #addresses: AddressMap;
  readonly #delegate: MembershipDelegate<SwimContext> | undefined;
  readonly #initialMembers: (() => readonly InitialMember[]) | undefined;
  readonly #table = new MemberTable();
  readonly #queue: BroadcastQueue;
  readonly #awareness: Awareness;
  readonly #deadlines = new DeadlineHeap<SwimContext>();
  #deadlineArmedAtMs = Number.POSITIVE_INFINITY;

  /** Our own record; sampling compares records by identity (names would cost cache misses). */
  #self: MemberRecord | null = null;
  #seqNo = 0;
  #incarnation = 0;
  readonly #pending = new Map<number, PendingAck>();
  #probing: ProbeState | null = null;
  #probeTickPending = false;

  readonly #exchanges = new Map<NodeId, Exchange>();
  #liveExchanges = 0;
  #join: JoinAttempt | null = null;
  #pushPullStaggered = false;

  #started = false;
  #stopped = false;
  #leaving = false;
  /** Earliest time of the next `strangerSyncIntervalMs` exchange. */
  #strangerSyncAfter = 0;
  #strangerCheckPending = false;
  /** When this node last heard by gossip of a member it did not list (`joinBurstSyncDelayMs`). */
  #gossipedJoinAtMs = Number.NEGATIVE_INFINITY;
  /** When the latest push/pull this node started, and merged, began: it brought a whole table. */
  #tableSyncedFromMs = Number.NEGATIVE_INFINITY;
  #burstSyncPending = false;
  /** Earliest time of the next `joinBurstSyncDelayMs` exchange. */
  #burstSyncAfter = 0;
  #leaveBroadcastDone = false;
  #leftEmitted = false;

  /** Dropped incoming messages by reason, for tests and metrics that do not listen to events. */
  readonly dropped = new Map<SwimDropReason, number>();

  readonly #sampleScratch: MemberRecord[] = [];

  constructor(config: SwimConfig, deps: SwimDeps) {
    this.config = config;
    this.vsn = vsnOf(config);
    this.#addresses = deps.addresses;
    this.#delegate = deps.delegate;
    this.#initialMembers = deps.initialMembers;
    this.#queue = new BroadcastQueue(config.retransmitMult, config.broadcastsMax);
    this.#awareness = new Awareness(config.awarenessMaxMultiplier);
  }

  // =====================================================================================
  // Protocol inputs

  start(ctx: SwimContext): void {
    if (this.#started) return;
    this.#started = true;
    const c = this.config;
    // memberlist setAlive: ourselves, alive, incarnation 1 — through aliveNode, so the join
    // event fires for us too and our alive is queued for gossip.
    const alive: Alive = {
      type: 'alive',
      incarnation: this.#nextIncarnation(),
      node: c.name,
      addr: c.advertiseIp,
      port: c.advertisePort,
      meta: this.#nodeMeta(),
      vsn: this.vsn,
    };
    this.#applyAlive(ctx, alive, true);
    this.#self = this.#table.get(c.name) ?? null;
    if (this.#initialMembers !== undefined) this.#assumeMembers(ctx, this.#initialMembers());
    ctx.setTimer('probe', ctx.rng.int(c.probeIntervalMs));
    if (c.gossipIntervalMs > 0 && c.gossipNodes > 0) {
      ctx.setTimer('gossip', ctx.rng.int(c.gossipIntervalMs));
    }
    if (c.pushPullIntervalMs > 0) ctx.setTimer('push-pull', ctx.rng.int(c.pushPullIntervalMs));
    this.#flush(ctx);
  }

  stop(ctx: SwimContext): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const kind of SWIM_TIMERS) ctx.cancelTimer(kind);
    this.#deadlines.clear();
    this.#deadlineArmedAtMs = Number.POSITIVE_INFINITY;
  }

  handleMessage(ctx: SwimContext, from: NodeId, msg: SwimMessage): void {
    if (this.#stopped || !this.#started) return;
    this.#receive(ctx, from, msg, 0);
    this.#flush(ctx);
  }

  handleTimer(ctx: SwimContext, timer: SwimTimer): void {
    if (this.#stopped || !this.#started) return;
    const c = this.config;
    switch (timer) {
      case 'probe':
        ctx.setTimer('probe', c.probeIntervalMs);
        if (this.#probing !== null) this.#probeTickPending = true;
        else this.#runProbe(ctx);
        break;
      case 'gossip':
        ctx.setTimer('gossip', c.gossipIntervalMs);
        this.#gossip(ctx);
        break;
      case 'push-pull':
        // The first firing ends the random stagger; the period then scales with n.
        if (this.#pushPullStaggered) this.#pushPullPeriodic(ctx);
        this.#pushPullStaggered = true;
        ctx.setTimer('push-pull', pushPullIntervalMs(c.pushPullIntervalMs, this.#table.size));
        break;
      case 'deadline': {
        this.#deadlineArmedAtMs = Number.POSITIVE_INFINITY;
        for (;;) {
          const d = this.#deadlines.popDue(ctx.now);
          if (d === null) break;
          d.fire(ctx);
        }
        break;
      }
    }
    this.#flush(ctx);
  }

  // =====================================================================================
  // Application commands

  /**
   * Joins through `seeds` (memberlist `Join`): a push/pull with `Join = true` to each, in
   * parallel. Ends in `join-succeeded` once every seed answered or failed and at least one
   * answered, or, after `joinRetries` more rounds with backoff, in `join-failed`. A seed
   * that does not answer within `tcpTimeoutMs` has failed. A new join supersedes a running
   * one (which then ends in `join-failed`).
   */
  join(ctx: SwimContext, seeds: readonly MemberAddress[]): void {
    const old = this.#join;
    if (old !== null && !old.done) {
      old.done = true;
      ctx.emit({
        type: 'join-failed',
        seeds: old.seeds.map(addressString),
        reason: 'superseded by a newer join',
      });
    }
    const attempt: JoinAttempt = {
      seeds: [...seeds],
      round: 0,
      outstanding: 0,
      contacted: 0,
      failures: [],
      done: false,
    };
    this.#join = attempt;
    this.#joinRound(ctx, attempt);
    this.#flush(ctx);
  }

  /**
   * Leaves gracefully (memberlist `Leave`): gossips dead(us, From = us), which peers record
   * as *left*, and emits `left` once that broadcast has been sent its full number of times,
   * or after `leaveTimeoutMs` (0: no limit), or at once when no other member is alive.
   * Alive messages about ourselves are ignored from now on. The node keeps running until
   * the host stops it.
   */
  leave(ctx: SwimContext): void {
    if (!this.#leaving && this.#started) {
      this.#leaving = true;
      const self = this.#table.get(this.config.name);
      if (self !== undefined) {
        this.#applyDead(ctx, {
          type: 'dead',
          incarnation: self.incarnation,
          node: self.name,
          from: self.name,
        });
      }
      if (!this.#anyAlive()) this.#leaveBroadcastDone = true;
      else if (this.config.leaveTimeoutMs > 0) {
        this.#deadlines.add(ctx.now + this.config.leaveTimeoutMs, (c) => this.#emitLeft(c, true));
      }
    }
    this.#flush(ctx);
  }

  /**
   * Re-reads `delegate.nodeMeta`, takes the next incarnation and gossips our new alive
   * (memberlist `UpdateNode`); `member-update` fires for ourselves if the meta changed.
   */
  updateMeta(ctx: SwimContext): void {
    const self = this.#table.get(this.config.name);
    if (self !== undefined && !this.#leaving) {
      this.#applyAlive(
        ctx,
        {
          type: 'alive',
          incarnation: this.#nextIncarnation(),
          node: self.name,
          addr: self.ip,
          port: self.port,
          meta: this.#nodeMeta(),
          vsn: this.vsn,
        },
        true,
      );
    }
    this.#flush(ctx);
  }

  /**
   * Sends a user message (type 8) to a member: by packet (memberlist `SendBestEffort`,
   * with the CRC header if the member speaks protocol 5) or on a stream (`SendReliable`).
   * False when the member is unknown or unreachable.
   */
  sendUser(ctx: SwimContext, toName: string, payload: Uint8Array, reliable: boolean): boolean {
    const rec = this.#table.get(toName);
    if (rec === undefined) return false;
    const id = this.#peerId(rec);
    if (!this.#reachable(ctx, id)) return false;
    const user: User = { type: 'user', payload };
    if (reliable) ctx.sendReliable(id, this.#streamOut(user));
    else ctx.send(id, this.#finish(user, rec.protocolMax >= CRC_PROTOCOL_MIN));
    this.#flush(ctx);
    return true;
  }

  // =====================================================================================
  // Queries

  /** Every entry of the member table (ourselves included, any state), as snapshots. */
  members(): Member[] {
    return this.#table.records.map((r) => r.snapshot());
  }

  member(name: string): Member | undefined {
    return this.#table.get(name)?.snapshot();
  }

  localMember(): Member | undefined {
    return this.#table.get(this.config.name)?.snapshot();
  }

  /** Members neither dead nor left, ourselves included (memberlist `NumMembers`). */
  numMembers(): number {
    let n = 0;
    for (const r of this.#table.records) if (r.state === 'alive' || r.state === 'suspect') n++;
    return n;
  }

  /** Entries in the member table: memberlist's `estNumNodes`, the n of every formula. */
  tableSize(): number {
    return this.#table.size;
  }

  /** Lifeguard awareness score, 0 = healthy (memberlist `GetHealthScore`). */
  healthScore(): number {
    return this.#awareness.score;
  }

  /** Our current incarnation number. */
  incarnation(): number {
    return this.#incarnation;
  }

  /** Messages waiting in memberlist's broadcast queue. */
  broadcastsQueued(): number {
    return this.#queue.size;
  }

  /** Acks we wait for (own probes, TCP pings, helper pings). */
  pendingAcks(): number {
    return this.#pending.size;
  }

  hasLeft(): boolean {
    return this.#leaving;
  }

  // =====================================================================================
  // Receiving

  #receive(ctx: SwimContext, from: NodeId, msg: SwimMessage | PacketMessage, depth: number): void {
    if (typeof msg !== 'object' || msg === null) {
      this.#drop(ctx, 'unexpected-type', typeof msg);
      return;
    }
    switch (msg.type) {
      case 'hasCrc':
      case 'compress':
        // The codec checked the CRC and inflated the compressed bytes already.
        if (depth >= NESTING_DEPTH_MAX) this.#drop(ctx, 'limit', msg.type);
        else this.#receive(ctx, from, msg.message, depth + 1);
        return;
      case 'compound':
        if (depth >= NESTING_DEPTH_MAX || !Array.isArray(msg.parts)) {
          this.#drop(ctx, depth >= NESTING_DEPTH_MAX ? 'limit' : 'malformed', 'compound');
          return;
        }
        for (const part of msg.parts) this.#receive(ctx, from, part, depth + 1);
        return;
    }
    if (!wellFormed(msg)) {
      const t = (msg as { type?: unknown }).type;
      const known = typeof t === 'string' && KNOWN_TYPES.has(t);
      this.#drop(
        ctx,
        known ? 'malformed' : 'unexpected-type',
        typeof t === 'string' ? t.slice(0, 32) : typeof t,
      );
      return;
    }
    switch (msg.type) {
      case 'ping':
        this.#onPing(ctx, from, msg);
        return;
      case 'indirectPing':
        this.#onIndirectPing(ctx, from, msg);
        return;
      case 'ack':
        this.#onAck(ctx, from, msg);
        return;
      case 'nack':
        this.#onNack(ctx, msg);
        return;
      case 'alive':
        if (this.#applyAlive(ctx, msg, false)) this.#noteGossipedJoin(ctx);
        return;
      case 'suspect':
        this.#applySuspect(ctx, msg);
        return;
      case 'dead':
        this.#applyDead(ctx, msg);
        return;
      case 'user':
        this.#delegate?.notifyUserMessage?.(ctx, msg.payload);
        return;
      case 'pushPull':
        this.#onPushPull(ctx, from, msg);
        return;
      case 'err':
        this.#onErr(ctx, from, msg);
        return;
    }
  }

  #drop(ctx: SwimContext, reason: SwimDropReason, messageType: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    ctx.emit({ type: 'message-dropped', reason, messageType });
  }

  // =====================================================================================
  // Probing (memberlist probe / probeNode)

  #runProbe(ctx: SwimContext): void {
    const c = this.config;
    const target = this.#table.nextProbeTarget(
      this.#self,
      ctx.now,
      c.gossipToTheDeadMs,
      ctx.rng,
      (rec) => this.#reaped(ctx, rec),
    );
    if (target === null) return;
    const intervalMs = this.#awareness.scaleMs(c.probeIntervalMs);
    const seqNo = this.#nextSeqNo();
    const probe: ProbeState = {
      kind: 'probe',
      seqNo,
      target,
      incarnation: target.incarnation,
      startedAtMs: ctx.now,
      direct: true,
      helpers: 0,
      nacksExpected: 0,
      nacks: 0,
      tcpSeqNo: -1,
      tcpAckAtMs: -1,
      timeoutDeadline: null,
      endDeadline: null,
    };
    this.#pending.set(seqNo, probe);
    this.#probing = probe;
    const ping = this.#ping(seqNo, target.name);
    if (target.state === 'alive') {
      this.#sendWithPiggyback(ctx, this.#peerId(target), ping);
    } else if (this.#reachable(ctx, this.#peerId(target))) {
      // A suspect target gets the accusation with the ping, so it can refute at once.
      const suspect: Suspect = {
        type: 'suspect',
        incarnation: target.incarnation,
        node: target.name,
        from: c.name,
      };
      ctx.send(
        target.id,
        this.#finish(compoundOf([ping, suspect]), target.protocolMax >= CRC_PROTOCOL_MIN),
      );
    }
    probe.timeoutDeadline = this.#deadlines.add(ctx.now + c.probeTimeoutMs, (x) =>
      this.#probeTimeout(x, probe),
    );
    probe.endDeadline = this.#deadlines.add(ctx.now + intervalMs, (x) => this.#probeEnd(x, probe));
  }

  #ping(seqNo: number, node: string): Ping {
    const c = this.config;
    return {
      type: 'ping',
      seqNo,
      node,
      sourceAddr: c.advertiseIp,
      sourcePort: c.advertisePort,
      sourceNode: c.name,
    };
  }

  /** No direct ack in time: ask helpers, and try TCP. */
  #probeTimeout(ctx: SwimContext, probe: ProbeState): void {
    if (this.#pending.get(probe.seqNo) !== probe) return;
    const c = this.config;
    probe.direct = false;
    const target = probe.target;
    const self = this.#self;
    const helpers = this.#table.sample(
      c.indirectChecks,
      (r) => r !== self && r !== target && r.state === 'alive',
      ctx.rng,
      this.#sampleScratch,
    );
    for (const helper of helpers) {
      const nack = helper.protocolMax >= NACK_PROTOCOL_MIN;
      if (nack) probe.nacksExpected++;
      const ind: IndirectPing = {
        type: 'indirectPing',
        seqNo: probe.seqNo,
        target: target.ip,
        port: target.port,
        node: target.name,
        nack,
        sourceAddr: c.advertiseIp,
        sourcePort: c.advertisePort,
        sourceNode: c.name,
      };
      this.#sendWithPiggyback(ctx, this.#peerId(helper), ind);
    }
    probe.helpers = helpers.length;
    if (
      !c.disableTcpPings &&
      target.protocolMax >= TCP_PING_PROTOCOL_MIN &&
      this.#reachable(ctx, this.#peerId(target))
    ) {
      const tcpSeqNo = this.#nextSeqNo();
      probe.tcpSeqNo = tcpSeqNo;
      this.#pending.set(tcpSeqNo, { kind: 'tcp', seqNo: tcpSeqNo, probe });
      ctx.sendReliable(target.id, this.#streamOut(this.#ping(tcpSeqNo, target.name)));
    }
  }

  /** The awareness-scaled interval has passed since the probe began. */
  #probeEnd(ctx: SwimContext, probe: ProbeState): void {
    if (this.#pending.get(probe.seqNo) !== probe) return;
    this.#forgetProbe(probe);
    const target = probe.target;
    if (probe.tcpAckAtMs >= 0) {
      // memberlist: "Was able to connect over TCP but UDP probes failed".
      this.#probeOk(ctx, probe, probe.tcpAckAtMs - probe.startedAtMs, 'tcp');
      return;
    }
    ctx.emit({
      type: 'probe-failed',
      target: target.name,
      helpers: probe.helpers,
      nacksExpected: probe.nacksExpected,
      nacks: probe.nacks,
    });
    this.#applySuspect(ctx, {
      type: 'suspect',
      incarnation: probe.incarnation,
      node: target.name,
      from: this.config.name,
    });
    this.#applyAwareness(ctx, failedProbeAwarenessDelta(probe.nacksExpected, probe.nacks));
    this.#probeFinished(ctx);
  }

  #forgetProbe(probe: ProbeState): void {
    this.#pending.delete(probe.seqNo);
    if (probe.tcpSeqNo >= 0) this.#pending.delete(probe.tcpSeqNo);
    this.#deadlines.cancel(probe.timeoutDeadline);
    this.#deadlines.cancel(probe.endDeadline);
  }

  #probeOk(
    ctx: SwimContext,
    probe: ProbeState,
    rttMs: number,
    via: 'direct' | 'indirect' | 'tcp',
  ): void {
    ctx.emit({ type: 'probe-ok', target: probe.target.name, rttMs, via });
    this.#applyAwareness(ctx, -1);
    this.#probeFinished(ctx);
  }

  #probeFinished(ctx: SwimContext): void {
    this.#probing = null;
    if (this.#probeTickPending) {
      this.#probeTickPending = false;
      this.#runProbe(ctx);
    }
  }

  #onAck(ctx: SwimContext, from: NodeId, ack: Ack): void {
    const p = this.#pending.get(ack.seqNo);
    if (p === undefined) {
      this.#drop(ctx, 'unknown-seq', 'ack');
      return;
    }
    switch (p.kind) {
      case 'probe': {
        this.#forgetProbe(p);
        const rttMs = ctx.now - p.startedAtMs;
        if (p.direct) {
          this.#delegate?.notifyPingComplete?.(ctx, p.target.snapshot(), rttMs, ack.payload);
        }
        const via = p.direct || from === p.target.id ? 'direct' : 'indirect';
        this.#probeOk(ctx, p, rttMs, via);
        return;
      }
      case 'tcp':
        this.#pending.delete(p.seqNo);
        if (p.probe.tcpAckAtMs < 0) p.probe.tcpAckAtMs = ctx.now;
        return;
      case 'helper':
        this.#pending.delete(p.seqNo);
        this.#deadlines.cancel(p.deadline);
        this.#sendWithPiggyback(ctx, p.replyTo, {
          type: 'ack',
          seqNo: p.requesterSeqNo,
          payload: null,
        });
        return;
    }
  }

  #onNack(ctx: SwimContext, nack: Nack): void {
    const p = this.#pending.get(nack.seqNo);
    if (p === undefined || p.kind !== 'probe') {
      this.#drop(ctx, 'unknown-seq', 'nack');
      return;
    }
    p.nacks++;
  }

  /**
   * Answers a ping (memberlist `handlePing`) to its `SourceAddr:SourcePort`, else to the
   * sender. When the source differs from the sender the ping may have come on a stream
   * (the TCP fallback, whose sender is an ephemeral port): the ack then also goes back by
   * `ctx.reply`, bare, so that it is valid on a stream.
   */
  #onPing(ctx: SwimContext, from: NodeId, ping: Ping): void {
    if (ping.node !== '' && ping.node !== this.config.name) {
      this.#drop(ctx, 'wrong-node', 'ping');
      return;
    }
    const ack: Ack = {
      type: 'ack',
      seqNo: ping.seqNo,
      payload: this.#delegate?.ackPayload?.() ?? null,
    };
    const source =
      ping.sourceAddr.length > 0 && ping.sourcePort > 0
        ? this.#addresses.idOf(ping.sourceAddr, ping.sourcePort)
        : NO_PEER;
    if (source === from && this.#reachable(ctx, from)) {
      ctx.reply(this.#piggyback(ack));
    } else {
      if (this.#reachable(ctx, source)) this.#sendWithPiggyback(ctx, source, ack);
      if (from !== ctx.self) ctx.reply(ack);
    }
    this.#syncWithStranger(ctx, source, ping.sourceNode);
  }

  /**
   * `strangerSyncIntervalMs`: the pinger knows us, but we do not list it alive or suspect.
   * Its alive may still be on its way, so we wait as long as a broadcast takes to be sent
   * its full number of times (retransmit limit × gossip interval); if it is a stranger
   * still, one of us missed something, and a push/pull with it settles both tables. One
   * check is pending at a time and one exchange starts per interval, whoever pings.
   */
  #syncWithStranger(ctx: SwimContext, peer: NodeId, name: string): void {
    const c = this.config;
    if (c.strangerSyncIntervalMs <= 0 || name === '' || name === c.name) return;
    if (this.#strangerCheckPending || ctx.now < this.#strangerSyncAfter) return;
    if (!this.#isStranger(name) || !this.#reachable(ctx, peer)) return;
    this.#strangerCheckPending = true;
    const n = this.#table.size;
    const spreadMs = retransmitLimit(c.retransmitMult, n) * c.gossipIntervalMs;
    this.#deadlines.add(ctx.now + spreadMs, (x) => {
      this.#strangerCheckPending = false;
      if (this.#leaving || !this.#isStranger(name)) return;
      const open = this.#exchanges.get(peer);
      if (open !== undefined && !open.timedOut) return;
      if (!this.#startExchange(x, peer, false, null, name)) return;
      this.#strangerSyncAfter =
        x.now + pushPullIntervalMs(c.strangerSyncIntervalMs, this.#table.size);
      x.emit({ type: 'stranger-sync', peer, name });
    });
  }

  #isStranger(name: string): boolean {
    const rec = this.#table.get(name);
    return rec === undefined || (rec.state !== 'alive' && rec.state !== 'suspect');
  }

  /** The helper role (memberlist `handleIndirectPing`). */
  #onIndirectPing(ctx: SwimContext, from: NodeId, ind: IndirectPing): void {
    const c = this.config;
    if (this.#pending.size >= c.pendingProbesMax) {
      this.#drop(ctx, 'limit', 'indirectPing');
      return;
    }
    const port = ind.port === 0 || c.protocolVersion < 2 ? c.advertisePort : ind.port;
    const target = this.#addresses.idOf(ind.target, port);
    let replyTo = from;
    if (ind.sourceAddr.length > 0 && ind.sourcePort > 0) {
      const source = this.#addresses.idOf(ind.sourceAddr, ind.sourcePort);
      if (source !== NO_PEER) replyTo = source;
    }
    const seqNo = this.#nextSeqNo();
    const helper: HelperState = {
      kind: 'helper',
      seqNo,
      requesterSeqNo: ind.seqNo,
      replyTo,
      nack: ind.nack,
      deadline: null,
    };
    this.#pending.set(seqNo, helper);
    helper.deadline = this.#deadlines.add(ctx.now + c.probeTimeoutMs, (x) => {
      if (this.#pending.get(seqNo) !== helper) return;
      this.#pending.delete(seqNo);
      if (helper.nack) this.#sendWithPiggyback(x, replyTo, { type: 'nack', seqNo: ind.seqNo });
    });
    if (target === ctx.self) {
      // We are the target: answer as our own ping handler would.
      if (ind.node === '' || ind.node === c.name) {
        this.#onAck(ctx, ctx.self, { type: 'ack', seqNo, payload: null });
      }
      return;
    }
    this.#sendWithPiggyback(ctx, target, this.#ping(seqNo, ind.node));
  }

  // =====================================================================================
  // The incarnation rules (memberlist aliveNode / suspectNode / deadNode / refute)

  /** Applies an alive; true when it made the member join (`member-join` was emitted). */
  #applyAlive(ctx: SwimContext, a: Alive, bootstrap: boolean): boolean {
    const c = this.config;
    const isLocal = a.node === c.name;
    // An alive about us still in flight when we left must not bring us back.
    if (this.#leaving && isLocal) return false;
    if (a.vsn !== null && (a.vsn[0] === 0 || a.vsn[1] === 0 || a.vsn[0] > a.vsn[1])) {
      this.#drop(ctx, 'bad-version', 'alive');
      return false;
    }
    let rec = this.#table.get(a.node);
    let updatesNode = false;
    if (rec === undefined) {
      if (this.#table.size >= c.membersMax) {
        this.#drop(ctx, 'limit', 'alive');
        return false;
      }
      rec = new MemberRecord(
        a.node,
        a.addr,
        a.port,
        this.#addresses.idOf(a.addr, a.port),
        a.meta,
        a.vsn,
        ctx.now,
      );
      this.#table.add(rec, ctx.rng);
    } else if (!sameBytes(rec.ip, a.addr) || rec.port !== a.port) {
      const canReclaim =
        c.deadNodeReclaimMs > 0 && ctx.now - rec.stateChangedAtMs > c.deadNodeReclaimMs;
      if (rec.state === 'left' || (rec.state === 'dead' && canReclaim)) {
        updatesNode = true;
      } else {
        ctx.emit({
          type: 'name-conflict',
          name: a.node,
          existing: { ip: rec.ip, port: rec.port },
          claimed: { ip: a.addr, port: a.port },
        });
        return false;
      }
    }
    if (a.incarnation <= rec.incarnation && !isLocal && !updatesNode) return false;
    if (a.incarnation < rec.incarnation && isLocal) return false;
    this.#cancelSuspicion(rec);
    const oldState = rec.state;
    const oldMeta = rec.meta;
    if (!bootstrap && isLocal) {
      // The same incarnation with other meta or versions: a restarted process of ours
      // advertised other values; we win the name back with a higher incarnation.
      if (
        a.incarnation === rec.incarnation &&
        sameBytes(a.meta, rec.meta) &&
        sameVsn(a.vsn, rec.vsn)
      ) {
        return false;
      }
      this.#refute(ctx, rec, a.incarnation, 'alive', a.node);
    } else {
      this.#broadcast(a.node, a, null);
      if (a.vsn !== null) rec.vsn = a.vsn;
      rec.incarnation = a.incarnation;
      rec.meta = a.meta;
      if (rec.ip !== a.addr || rec.port !== a.port) {
        rec.ip = a.addr;
        rec.port = a.port;
        rec.id = this.#addresses.idOf(a.addr, a.port);
      }
      if (rec.state !== 'alive') {
        rec.state = 'alive';
        rec.stateChangedAtMs = ctx.now;
      }
    }
    if (oldState === 'dead' || oldState === 'left') {
      const m = rec.snapshot();
      ctx.emit({ type: 'member-join', member: m });
      this.#delegate?.notifyJoin?.(ctx, m);
      return true;
    }
    if (oldState === 'suspect' && rec.state === 'alive') {
      ctx.emit({ type: 'member-alive-again', member: rec.snapshot() });
    }
    if (!sameBytes(oldMeta, rec.meta)) {
      const m = rec.snapshot();
      ctx.emit({ type: 'member-update', member: m });
      this.#delegate?.notifyUpdate?.(ctx, m);
    }
    return false;
  }

  #applySuspect(ctx: SwimContext, s: Suspect): void {
    const c = this.config;
    const rec = this.#table.get(s.node);
    if (rec === undefined || s.incarnation < rec.incarnation) return;
    const running = rec.suspicion;
    if (running !== null) {
      // Lifeguard: an independent accuser confirms and shortens the timeout; re-gossip it
      // so that confirmations keep flowing.
      if (running.confirm(s.from)) {
        this.#broadcast(s.node, s, null);
        this.#armSuspicion(ctx, rec, running);
        ctx.emit({
          type: 'suspicion-confirmed',
          name: rec.name,
          from: s.from,
          confirmations: running.confirmations,
          timeoutMs: running.timeoutMs,
        });
      }
      return;
    }
    if (rec.state !== 'alive') return;
    if (rec.name === c.name) {
      this.#refute(ctx, rec, s.incarnation, 'suspect', s.from);
      return;
    }
    this.#broadcast(s.node, s, null);
    rec.incarnation = s.incarnation;
    rec.state = 'suspect';
    rec.stateChangedAtMs = ctx.now;
    const bounds = suspicionBounds(
      c.suspicionMult,
      c.suspicionMaxTimeoutMult,
      this.#table.size,
      c.probeIntervalMs,
    );
    const suspicion = new Suspicion(s.from, bounds, ctx.now);
    rec.suspicion = suspicion;
    this.#armSuspicion(ctx, rec, suspicion);
    ctx.emit({ type: 'member-suspect', member: rec.snapshot(), from: s.from });
  }

  #armSuspicion(ctx: SwimContext, rec: MemberRecord, suspicion: Suspicion): void {
    this.#deadlines.cancel(rec.suspicionDeadline);
    rec.suspicionDeadline = this.#deadlines.add(Math.max(ctx.now, suspicion.expiresAtMs), (x) => {
      if (
        this.#table.get(rec.name) !== rec ||
        rec.suspicion !== suspicion ||
        rec.state !== 'suspect' ||
        rec.stateChangedAtMs !== suspicion.startMs
      ) {
        return;
      }
      rec.suspicionDeadline = null;
      x.emit({
        type: 'suspicion-expired',
        name: rec.name,
        confirmations: suspicion.confirmations,
        timeoutMs: suspicion.timeoutMs,
      });
      this.#applyDead(x, {
        type: 'dead',
        incarnation: rec.incarnation,
        node: rec.name,
        from: this.config.name,
      });
    });
  }

  #cancelSuspicion(rec: MemberRecord): void {
    if (rec.suspicion === null) return;
    this.#deadlines.cancel(rec.suspicionDeadline);
    rec.suspicionDeadline = null;
    rec.suspicion = null;
  }

  #applyDead(ctx: SwimContext, d: Dead): void {
    const c = this.config;
    const rec = this.#table.get(d.node);
    if (rec === undefined || d.incarnation < rec.incarnation) return;
    this.#cancelSuspicion(rec);
    if (rec.state === 'dead' || rec.state === 'left') return;
    if (rec.name === c.name) {
      if (!this.#leaving) {
        this.#refute(ctx, rec, d.incarnation, 'dead', d.from);
        return;
      }
      // Our own leave: done once it has been sent its full number of times.
      this.#broadcast(d.node, d, () => {
        this.#leaveBroadcastDone = true;
      });
    } else {
      this.#broadcast(d.node, d, null);
    }
    rec.incarnation = d.incarnation;
    rec.state = d.node === d.from ? 'left' : 'dead';
    rec.stateChangedAtMs = ctx.now;
    const m = rec.snapshot();
    ctx.emit({ type: 'member-leave', member: m });
    this.#delegate?.notifyLeave?.(ctx, m);
  }

  /**
   * Beats an accusation about ourselves: the next incarnation, or accusation + 1 if that
   * is higher; awareness +1; gossip our alive. memberlist keys this broadcast by our IP
   * string rather than our name (so it does not replace a queued alive of ours); kept.
   */
  #refute(
    ctx: SwimContext,
    self: MemberRecord,
    accusedIncarnation: number,
    accusation: 'alive' | 'suspect' | 'dead',
    from: string,
  ): void {
    let inc = this.#nextIncarnation();
    if (accusedIncarnation >= inc) {
      this.#incarnation = (accusedIncarnation + 1) >>> 0;
      inc = this.#incarnation;
    }
    self.incarnation = inc;
    this.#applyAwareness(ctx, 1);
    this.#broadcast(
      ipString(self.ip),
      {
        type: 'alive',
        incarnation: inc,
        node: self.name,
        addr: self.ip,
        port: self.port,
        meta: self.meta,
        vsn: this.vsn,
      },
      null,
    );
    ctx.emit({ type: 'refuted', accusation, from, incarnation: inc });
  }

  #assumeMembers(ctx: SwimContext, members: readonly InitialMember[]): void {
    for (const m of members) {
      if (this.#table.get(m.name) !== undefined || this.#table.size >= this.config.membersMax) {
        continue;
      }
      const rec = new MemberRecord(
        m.name,
        m.ip,
        m.port,
        this.#addresses.idOf(m.ip, m.port),
        m.meta ?? null,
        m.vsn === undefined ? this.vsn : m.vsn,
        ctx.now,
      );
      rec.incarnation = 1;
      rec.state = 'alive';
      this.#table.add(rec, ctx.rng);
      const snapshot = rec.snapshot();
      ctx.emit({ type: 'member-join', member: snapshot });
      this.#delegate?.notifyJoin?.(ctx, snapshot);
    }
  }

  #reaped(ctx: SwimContext, rec: MemberRecord): void {
    this.#cancelSuspicion(rec);
    ctx.emit({ type: 'member-reaped', name: rec.name });
  }

  #anyAlive(): boolean {
    for (const r of this.#table.records) {
      if (r.name !== this.config.name && r.state !== 'dead' && r.state !== 'left') return true;
    }
    return false;
  }

  // =====================================================================================
  // Gossip and piggybacking

  #broadcast(key: string, msg: GossipMessage, onFinished: (() => void) | null): void {
    this.#queue.enqueue(key, msg, packetMessageBytes(msg), onFinished);
  }

  /**
   * memberlist `getBroadcasts`: our queue first, then the delegate's broadcasts (as user
   * messages, one byte more each) in the room that is left.
   */
  #takeBroadcasts(overheadBytes: number, limitBytes: number, partsMax: number): PacketMessage[] {
    const out: PacketMessage[] = [];
    this.#queue.take(overheadBytes, limitBytes, this.#table.size, partsMax, out as GossipMessage[]);
    const getBroadcasts = this.#delegate?.getBroadcasts;
    if (getBroadcasts === undefined) return out;
    const availBytes = limitBytes - this.#queue.lastTakenBytes;
    if (availBytes <= overheadBytes + USER_MSG_OVERHEAD_BYTES || out.length >= partsMax) return out;
    const user = getBroadcasts.call(
      this.#delegate,
      overheadBytes + USER_MSG_OVERHEAD_BYTES,
      availBytes,
    );
    // Go would send more than 127 parts and mis-slice them; we stop at the format's limit.
    for (const payload of user) {
      if (out.length >= partsMax) break;
      if (payload.length > 0) out.push({ type: 'user', payload });
    }
    return out;
  }

  /** memberlist `sendMsg`: `msg` plus as many broadcasts as fit the packet budget. */
  #piggyback(msg: PacketMessage): Packet {
    const c = this.config;
    const availBytes =
      c.udpBufferBytes -
      packetMessageBytes(msg) -
      COMPOUND_HEADER_BYTES -
      c.encryptionOverheadBytes;
    const extra = this.#takeBroadcasts(
      COMPOUND_PART_OVERHEAD_BYTES,
      availBytes,
      COMPOUND_PARTS_SEND_MAX - 1,
    );
    const packet = extra.length === 0 ? msg : compoundOf([msg, ...extra]);
    // memberlist adds the CRC only where it passes the destination's node record, which
    // the probe-message paths do not.
    return this.#finish(packet, false);
  }

  #sendWithPiggyback(ctx: SwimContext, to: NodeId, msg: PacketMessage): void {
    if (!this.#reachable(ctx, to)) return;
    ctx.send(to, this.#piggyback(msg));
  }

  /** memberlist `gossip`: queued broadcasts to `gossipNodes` random members. */
  #gossip(ctx: SwimContext): void {
    const c = this.config;
    const now = ctx.now;
    const self = this.#self;
    const targets = this.#table.sample(
      c.gossipNodes,
      (r) =>
        r !== self &&
        (r.state === 'alive' ||
          r.state === 'suspect' ||
          (r.state === 'dead' && now - r.stateChangedAtMs <= c.gossipToTheDeadMs)),
      ctx.rng,
      this.#sampleScratch,
    );
    const budgetBytes = c.udpBufferBytes - COMPOUND_HEADER_BYTES - c.encryptionOverheadBytes;
    for (const target of targets) {
      if (!this.#reachable(ctx, this.#peerId(target))) continue;
      const msgs = this.#takeBroadcasts(
        COMPOUND_PART_OVERHEAD_BYTES,
        budgetBytes,
        COMPOUND_PARTS_SEND_MAX,
      );
      if (msgs.length === 0) return;
      ctx.send(target.id, this.#finish(compoundOf(msgs), target.protocolMax >= CRC_PROTOCOL_MIN));
    }
  }

  #finish(msg: PacketMessage, crc: boolean): Packet {
    return finishPacket(msg, this.config.enableCompression, crc);
  }

  /** memberlist compresses every stream message when compression is on, even when it grows. */
  #streamOut(msg: StreamMessage): Stream {
    return this.config.enableCompression ? { type: 'compress', message: msg } : msg;
  }

  /**
   * A member's host id. An address the host could not map when we learned it (its address
   * map full) is looked up again, so the member becomes reachable once there is room.
   */
  #peerId(rec: MemberRecord): NodeId {
    if (rec.id < 0) rec.id = this.#addresses.idOf(rec.ip, rec.port);
    return rec.id;
  }

  #reachable(ctx: SwimContext, id: NodeId): boolean {
    return id >= 0 && id !== ctx.self;
  }

  // =====================================================================================
  // Push/pull and join (memberlist pushPull / pushPullNode / handleConn / mergeRemoteState)

  /** A push/pull with a random alive member; the member, if one started. */
  #pushPullPeriodic(ctx: SwimContext): MemberRecord | null {
    const self = this.#self;
    const peers = this.#table.sample(
      1,
      (r) => r !== self && r.state === 'alive',
      ctx.rng,
      this.#sampleScratch,
    );
    const peer = peers[0];
    if (peer === undefined || !this.#reachable(ctx, this.#peerId(peer))) return null;
    return this.#startExchange(ctx, peer.id, false, null, peer.name) ? peer : null;
  }

  /**
   * `joinBurstSyncDelayMs`: gossip told us of a member we did not list. One check is
   * pending at a time; it waits until the arrivals have been quiet for the delay.
   */
  #noteGossipedJoin(ctx: SwimContext): void {
    if (this.config.joinBurstSyncDelayMs <= 0 || this.#leaving) return;
    this.#gossipedJoinAtMs = ctx.now;
    if (this.#burstSyncPending) return;
    this.#burstSyncPending = true;
    this.#deadlines.add(ctx.now + this.config.joinBurstSyncDelayMs, (x) => this.#burstSyncDue(x));
  }

  #burstSyncDue(ctx: SwimContext): void {
    const c = this.config;
    const quietAtMs = this.#gossipedJoinAtMs + c.joinBurstSyncDelayMs;
    if (ctx.now < quietAtMs) {
      this.#deadlines.add(quietAtMs, (x) => this.#burstSyncDue(x));
      return;
    }
    this.#burstSyncPending = false;
    if (this.#leaving || ctx.now < this.#burstSyncAfter) return;
    // A push/pull we started after the last arrival has already brought the full table.
    if (this.#tableSyncedFromMs > this.#gossipedJoinAtMs) return;
    const peer = this.#pushPullPeriodic(ctx);
    if (peer === null) return;
    this.#burstSyncAfter =
      ctx.now +
      pushPullIntervalMs(c.joinBurstSyncDelayMs * BURST_SYNC_SPACING_DELAYS, this.#table.size);
    ctx.emit({ type: 'join-burst-sync', peer: peer.id, name: peer.name });
  }

  #localState(join: boolean): PushPull {
    const nodes = this.#table.records.map(pushNodeStateOf);
    const userState = this.#delegate?.localState?.(join) ?? EMPTY;
    return { type: 'pushPull', join, nodes, userState };
  }

  /** Opens an exchange; false when too many are in flight. */
  #startExchange(
    ctx: SwimContext,
    peer: NodeId,
    join: boolean,
    attempt: JoinAttempt | null,
    label: string,
  ): boolean {
    const existing = this.#exchanges.get(peer);
    if (existing !== undefined && !existing.timedOut) {
      // One exchange per peer at a time: a join rides on the one already open.
      if (attempt !== null) {
        existing.attempt = attempt;
        existing.seedLabel = label;
      }
      return true;
    }
    if (this.#liveExchanges >= this.config.pushPullsInFlightMax) return false;
    if (existing !== undefined) this.#deadlines.cancel(existing.deadline);
    const ex: Exchange = {
      peer,
      join,
      attempt,
      seedLabel: label,
      timedOut: false,
      deadline: null,
      startedAtMs: ctx.now,
    };
    this.#exchanges.set(peer, ex);
    this.#liveExchanges++;
    ex.deadline = this.#deadlines.add(ctx.now + this.config.tcpTimeoutMs, (x) =>
      this.#exchangeTimeout(x, ex),
    );
    ctx.sendReliable(peer, this.#streamOut(this.#localState(join)));
    return true;
  }

  #closeExchange(ex: Exchange): void {
    this.#exchanges.delete(ex.peer);
    this.#deadlines.cancel(ex.deadline);
    if (!ex.timedOut) this.#liveExchanges--;
  }

  #exchangeTimeout(ctx: SwimContext, ex: Exchange): void {
    if (this.#exchanges.get(ex.peer) !== ex || ex.timedOut) return;
    ex.timedOut = true;
    this.#liveExchanges--;
    const reason = `no reply within tcpTimeoutMs (${this.config.tcpTimeoutMs} ms)`;
    ctx.emit({ type: 'push-pull-failed', peer: ex.peer, join: ex.join, reason });
    if (ex.attempt !== null) this.#seedDone(ctx, ex.attempt, ex.seedLabel, reason);
    // Keep the record a while: a reply arriving now must not be taken for a request.
    ex.deadline = this.#deadlines.add(ctx.now + this.config.tcpTimeoutMs, () => {
      if (this.#exchanges.get(ex.peer) === ex) this.#exchanges.delete(ex.peer);
    });
  }

  #onPushPull(ctx: SwimContext, from: NodeId, pp: PushPull): void {
    const ex = this.#exchanges.get(from);
    if (ex !== undefined) {
      this.#closeExchange(ex);
      if (ex.timedOut) {
        this.#drop(ctx, 'unsolicited', 'pushPull');
        return;
      }
      const problem = this.#merge(ctx, from, pp, ex.join, true);
      if (problem === null) {
        this.#tableSyncedFromMs = Math.max(this.#tableSyncedFromMs, ex.startedAtMs);
      }
      if (ex.attempt !== null) this.#seedDone(ctx, ex.attempt, ex.seedLabel, problem);
      return;
    }
    // A request: answer with our state first (echoing Join), then merge theirs.
    if (from !== ctx.self) ctx.reply(this.#streamOut(this.#localState(pp.join)));
    this.#merge(ctx, from, pp, pp.join, false);
  }

  #onErr(ctx: SwimContext, from: NodeId, err: ErrResp): void {
    const ex = this.#exchanges.get(from);
    if (ex === undefined || ex.timedOut) {
      // The real host reports a failed TCP ping as an err from the target: the probe's end
      // deadline decides, as Go's fallback does when its dial fails.
      if (!this.#tcpPingPendingTo(from)) this.#drop(ctx, 'unsolicited', 'err');
      return;
    }
    this.#closeExchange(ex);
    const reason = `remote error: ${err.error}`;
    ctx.emit({ type: 'push-pull-failed', peer: from, join: ex.join, reason });
    if (ex.attempt !== null) this.#seedDone(ctx, ex.attempt, ex.seedLabel, reason);
  }

  #tcpPingPendingTo(peer: NodeId): boolean {
    const probe = this.#probing;
    return probe !== null && probe.tcpSeqNo >= 0 && probe.target.id === peer;
  }

  /** memberlist `mergeRemoteState`; returns null on success, else why it was rejected. */
  #merge(
    ctx: SwimContext,
    peer: NodeId,
    pp: PushPull,
    join: boolean,
    initiated: boolean,
  ): string | null {
    const problem = incompatibility(pp.nodes, this.#table.records);
    if (problem !== null) {
      ctx.emit({ type: 'push-pull-failed', peer, join, reason: problem });
      return problem;
    }
    const self = this.config.name;
    for (const s of pp.nodes) {
      switch (s.state) {
        case 0:
          this.#applyAlive(
            ctx,
            {
              type: 'alive',
              incarnation: s.incarnation,
              node: s.name,
              addr: s.addr,
              port: s.port,
              meta: s.meta,
              vsn: s.vsn,
            },
            false,
          );
          break;
        case 3:
          this.#applyDead(ctx, {
            type: 'dead',
            incarnation: s.incarnation,
            node: s.name,
            from: s.name,
          });
          break;
        case 1:
        case 2:
          // A remote "dead" only makes us suspect: our own probes get a say.
          this.#applySuspect(ctx, {
            type: 'suspect',
            incarnation: s.incarnation,
            node: s.name,
            from: self,
          });
          break;
        default:
          // memberlist ignores states it does not know.
          break;
      }
    }
    this.#delegate?.mergeRemoteState?.(ctx, pp.userState, join);
    ctx.emit({ type: 'push-pull', peer, join, initiated, nodes: pp.nodes.length });
    return null;
  }

  #joinRound(ctx: SwimContext, attempt: JoinAttempt): void {
    attempt.outstanding = 0;
    attempt.contacted = 0;
    attempt.failures = [];
    const seen = new Set<NodeId>();
    for (const seed of attempt.seeds) {
      const label = addressString(seed);
      const id = this.#addresses.idOf(seed.ip, seed.port);
      if (id === NO_PEER || id < 0) {
        attempt.failures.push(`${label}: address maps to no reachable peer`);
        continue;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      if (id === ctx.self) {
        // memberlist completes a push/pull with itself: it counts as contacted.
        attempt.contacted++;
        continue;
      }
      attempt.outstanding++;
      if (!this.#startExchange(ctx, id, true, attempt, label)) {
        attempt.outstanding--;
        attempt.failures.push(`${label}: too many exchanges in flight (pushPullsInFlightMax)`);
      }
    }
    this.#joinCheck(ctx, attempt);
  }

  #seedDone(ctx: SwimContext, attempt: JoinAttempt, label: string, failure: string | null): void {
    if (attempt.done) return;
    attempt.outstanding--;
    if (failure === null) attempt.contacted++;
    else attempt.failures.push(`${label}: ${failure}`);
    this.#joinCheck(ctx, attempt);
  }

  #joinCheck(ctx: SwimContext, attempt: JoinAttempt): void {
    if (attempt.done || attempt.outstanding > 0) return;
    const c = this.config;
    if (attempt.contacted > 0) {
      attempt.done = true;
      if (c.joinSyncDelayMs > 0) {
        this.#deadlines.add(ctx.now + c.joinSyncDelayMs, (x) => this.#pushPullPeriodic(x));
      }
      ctx.emit({
        type: 'join-succeeded',
        contacted: attempt.contacted,
        seeds: attempt.seeds.length,
      });
      return;
    }
    if (attempt.round < c.joinRetries) {
      const delayMs = c.joinBackoffMs * 2 ** attempt.round;
      attempt.round++;
      this.#deadlines.add(ctx.now + delayMs, (x) => {
        if (this.#join === attempt && !attempt.done) this.#joinRound(x, attempt);
      });
      return;
    }
    attempt.done = true;
    const seeds = attempt.seeds.map(addressString);
    const why = attempt.failures.length > 0 ? attempt.failures.join('; ') : 'no seeds given';
    ctx.emit({
      type: 'join-failed',
      seeds,
      reason: `could not join through any of ${seeds.length} seed(s) [${seeds.join(', ')}] after ${attempt.round + 1} attempt(s): ${why}`,
    });
  }

  // =====================================================================================
  // Bookkeeping

  /** Emits what became due and re-arms the `deadline` timer at the heap's earliest entry. */
  #flush(ctx: SwimContext): void {
    if (this.#stopped) return;
    if (this.#leaveBroadcastDone && !this.#leftEmitted) this.#emitLeft(ctx, false);
    const next = this.#deadlines.nextAtMs();
    if (next === this.#deadlineArmedAtMs) return;
    if (next === Number.POSITIVE_INFINITY) ctx.cancelTimer('deadline');
    else ctx.setTimer('deadline', Math.max(0, next - ctx.now));
    this.#deadlineArmedAtMs = next;
  }

  #emitLeft(ctx: SwimContext, timedOut: boolean): void {
    if (this.#leftEmitted) return;
    this.#leftEmitted = true;
    ctx.emit({ type: 'left', timedOut });
  }

  #applyAwareness(ctx: SwimContext, delta: number): void {
    const changed = this.#awareness.apply(delta);
    if (changed !== 0) {
      ctx.emit({ type: 'awareness-changed', score: this.#awareness.score, delta: changed });
    }
  }

  #nextSeqNo(): number {
    this.#seqNo = (this.#seqNo + 1) >>> 0;
    return this.#seqNo;
  }

  #nextIncarnation(): number {
    this.#incarnation = (this.#incarnation + 1) >>> 0;
    return this.#incarnation;
  }

  #nodeMeta(): Uint8Array | null {
    const meta = this.#delegate?.nodeMeta?.(META_BYTES_MAX);
    if (meta === undefined) return null;
    if (meta.length > META_BYTES_MAX) {
      throw new ConfigError(
        'meta',
        `node metadata must be at most ${META_BYTES_MAX} bytes, got ${meta.length}`,
      );
    }
    return meta;
  }

  get addresses(): AddressMap {
    return this.#addresses;
  }

  get delegate(): MembershipDelegate<SwimContext> | undefined {
    return this.#delegate;
  }
}

const KNOWN_TYPES = new Set([
  'ping',
  'indirectPing',
  'ack',
  'nack',
  'suspect',
  'alive',
  'dead',
  'user',
  'pushPull',
  'err',
]);

function sameVsn(a: Vsn | null, b: Vsn | null): boolean {
  if (a === b) return true;
  // Go compares the raw bytes: absent and all-zero differ only in length, so both "unset".
  if (a === null || b === null) return false;
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}
