/**
 * Serf's query machinery wired to a node (serf-layer.md §6.2-6.4, §8.1-8.2): asking,
 * receiving, acking, answering, relaying, closing at the deadline, and the two internal
 * queries we implement.
 *
 * The state lives in `queries.ts`; this module does what Serf's `Query`, `handleQuery`,
 * `handleQueryResponse`, `Query.Respond`, `relayResponse`, the relay branch of `NotifyMsg`
 * and `serfQueries` do, through a narrow `QueryHost` the node provides (so the engine knows
 * nothing of SWIM or of the member table's internals).
 *
 * Sending answers: Serf sends acks and responses by UDP straight to the query's `Addr:Port`
 * (a plain user message, `memberlist.SendTo`), and through `RelayFactor` random alive
 * members (memberlist protocol ≥ 5, not ourselves) wrapped in a relay message. An answer to
 * our own query (we process our queries too) is handled locally instead of sent to
 * ourselves.
 *
 * Internal queries (`_serf_` names) never reach the application: `_serf_ping` is answered
 * by the ack alone; `_serf_conflict` is answered with our record of the named member (a
 * `conflictResponse`), and when memberlist reports someone else claiming *our* name we ask
 * it ourselves and shut down if fewer than a majority of the answers show our address (Serf's
 * `resolveNodeConflict`). Key-management queries (`_serf_install-key`, …) are applied to the
 * keyring the host lends (key-queries.ts) and answered as Serf answers them.
 *
 * Where we are stricter than Serf: a relay is forwarded only to the address of a member we
 * know and only if it carries a query response (Serf forwards anything anywhere, which makes
 * every node an open UDP reflector); a query's timeout is clamped to [0, 1 h].
 */

import { ConfigError, type ErrorCode, isRemoteError } from '../core/errors.ts';
import type { MemberAddress } from '../membership/types.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../membership/wire/serf/codec.ts';
import {
  MEMBER_STATUS,
  QUERY_FLAG,
  type SerfQuery,
  type SerfQueryResponse,
  type SerfRelay,
  type SerfMember as WireMember,
} from '../membership/wire/serf/messages.ts';
import type { SerfConfig } from './config.ts';
import type { SerfEvent, SerfInputSource } from './events.ts';
import {
  encodeKeyResponse,
  isKeyQuery,
  keyQueryResponse,
  type SerfKeyring,
} from './key-queries.ts';
import type { LamportClock } from './lamport.ts';
import type { MemberRecord } from './member-table.ts';
import {
  CONFLICT_QUERY,
  defaultQueryTimeoutMs,
  encodeQueryFilters,
  INTERNAL_QUERY_PREFIX,
  OpenQueries,
  PendingQueries,
  PING_QUERY,
  QueryLog,
  type QueryLogVerdict,
  type QueryParams,
  queryFilterVerdict,
} from './queries.ts';

/** Longest query timeout we honour from a peer, ms. */
export const QUERY_TIMEOUT_MS_MAX = 3_600_000;
const NS_PER_MS = 1_000_000n;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** What the engine needs from its node. */
export interface QueryHost {
  readonly config: SerfConfig;
  readonly queryClock: LamportClock;
  nowMs(): number;
  /** A uniform integer in [0, n). */
  randomInt(n: number): number;
  selfAddress(): MemberAddress;
  tags(): ReadonlyMap<string, string>;
  members(): Iterable<MemberRecord>;
  aliveMembers(): number;
  gossipIntervalMs(): number;
  /** Sends a Serf message as a UDP user message to an address; false if it maps to no peer. */
  sendTo(ip: Uint8Array, port: number, bytes: Uint8Array): boolean;
  queueBroadcast(bytes: Uint8Array): void;
  emit(event: SerfEvent): void;
  badInput(source: SerfInputSource, code: ErrorCode, message: string): void;
  armTimer(delayMs: number): void;
  /** We lost a name-conflict vote: shut down. */
  conflictLost(matching: number, responses: number): void;
  /** The host's gossip keyring, for the key-management queries; undefined: none. */
  keyring(): SerfKeyring | undefined;
}

export interface QueryStats {
  /** Queries not processed, by reason (duplicates are normal: gossip repeats). */
  dropped: Record<Exclude<QueryLogVerdict, 'new'>, number>;
  /** Answers that could not be sent: the address maps to no peer. */
  unroutable: number;
  /** Relay requests refused (unknown destination, or not a query response). */
  relaysRefused: number;
}

export class QueryEngine {
  readonly stats: QueryStats = {
    dropped: { 'too-old': 0, 'before-min-time': 0, duplicate: 0, 'slot-full': 0 },
    unroutable: 0,
    relaysRefused: 0,
  };
  readonly #host: QueryHost;
  readonly #log: QueryLog;
  readonly #open: OpenQueries;
  readonly #pending: PendingQueries;
  /** LTime of our open `_serf_conflict` query, if any. */
  #conflictLTime: bigint | null = null;

  constructor(host: QueryHost) {
    this.#host = host;
    const c = host.config;
    this.#log = new QueryLog(host.queryClock, c.queryBufferSlots, c.limits.eventsPerSlotMax);
    this.#open = new OpenQueries(c.openQueriesMax, c.limits.membersMax);
    this.#pending = new PendingQueries(c.pendingQueriesMax);
  }

  get openCount(): number {
    return this.#open.size;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Queries older than `t` are no longer processed (a restart restoring its query clock). */
  raiseMinTime(t: bigint): void {
    if (t > this.#log.minTime) this.#log.minTime = t;
  }

  /**
   * Asks a query of the application (`internal` for Serf's own). Throws `ConfigError('query')`
   * for a bad argument or an oversize query, `RemoteError(HEARSAY_ERR_QUEUE_FULL)` when too
   * many are open.
   */
  query(
    name: string,
    payload: Uint8Array,
    params: QueryParams,
    internal = false,
  ): { readonly ltime: bigint; readonly id: number; readonly deadlineMs: number } {
    const h = this.#host;
    if (!internal && name.startsWith(INTERNAL_QUERY_PREFIX)) {
      if (name !== PING_QUERY || payload.length > 0) {
        throw new ConfigError('query', `names starting with ${INTERNAL_QUERY_PREFIX} are Serf's`);
      }
    }
    const relayFactor = params.relayFactor ?? 0;
    if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > 255) {
      throw new ConfigError(
        'query.relayFactor',
        `must be an integer in [0, 255], got ${relayFactor}`,
      );
    }
    const timeoutMs =
      params.timeoutMs ??
      defaultQueryTimeoutMs(h.gossipIntervalMs(), h.config.queryTimeoutMult, h.aliveMembers());
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > QUERY_TIMEOUT_MS_MAX) {
      throw new ConfigError(
        'query.timeoutMs',
        `must be in (0, ${QUERY_TIMEOUT_MS_MAX}], got ${timeoutMs}`,
      );
    }
    const self = h.selfAddress();
    const msg: SerfQuery = {
      type: 'query',
      ltime: h.queryClock.time(),
      id: h.randomInt(0x80000000),
      addr: self.ip,
      port: self.port,
      sourceNode: h.config.name,
      filters: encodeQueryFilters(params),
      flags: params.requestAck === true ? QUERY_FLAG.ack : 0,
      relayFactor,
      timeoutNs: BigInt(Math.round(timeoutMs)) * NS_PER_MS,
      name,
      payload,
    };
    const bytes = encodeSerfMessage(msg);
    if (bytes.length > h.config.querySizeLimitBytes) {
      throw new ConfigError(
        'query',
        `the encoded query is ${bytes.length} bytes, over querySizeLimitBytes (${h.config.querySizeLimitBytes})`,
      );
    }
    const deadlineMs = h.nowMs() + timeoutMs;
    this.#open.open(msg.ltime, msg.id, name, deadlineMs);
    // As Serf: process our own query (it may ask us to ack and answer ourselves), then gossip.
    this.receiveQuery(msg);
    h.queueBroadcast(bytes);
    this.#armTimer();
    return { ltime: msg.ltime, id: msg.id, deadlineMs };
  }

  /**
   * Answers a query delivered as a `query` event. Throws `ConfigError('query')` if the key
   * is unknown or already answered, the deadline has passed, or the response is too large.
   */
  respond(key: number, payload: Uint8Array): void {
    const h = this.#host;
    const q = this.#pending.take(key, h.nowMs());
    if (q === 'unknown')
      throw new ConfigError('query', `no pending query ${key} (answered already?)`);
    if (q === 'past-deadline') throw new ConfigError('query', `query ${key} is past its deadline`);
    const resp: SerfQueryResponse = {
      type: 'queryResponse',
      ltime: q.ltime,
      id: q.id,
      from: h.config.name,
      flags: 0,
      payload,
    };
    const bytes = encodeSerfMessage(resp);
    if (bytes.length > h.config.queryResponseSizeLimitBytes) {
      throw new ConfigError(
        'query',
        `the encoded response is ${bytes.length} bytes, over queryResponseSizeLimitBytes (${h.config.queryResponseSizeLimitBytes})`,
      );
    }
    this.#answer(q.addr, q.port, q.sourceNode, q.relayFactor, resp, bytes);
  }

  /** Serf's `handleQuery`; returns whether to re-gossip. */
  receiveQuery(msg: SerfQuery): boolean {
    const h = this.#host;
    const verdict = this.#log.receive(msg.ltime, msg.id);
    if (verdict !== 'new') {
      this.stats.dropped[verdict]++;
      return false;
    }
    const rebroadcast = (msg.flags & QUERY_FLAG.noBroadcast) === 0;
    const filter = queryFilterVerdict(msg.filters, h.config.name, h.tags(), h.config.limits);
    if (filter.kind === 'bad') {
      h.badInput('user-message', filter.error.code, filter.error.message);
      return rebroadcast;
    }
    if (filter.kind === 'no-match') return rebroadcast;
    if ((msg.flags & QUERY_FLAG.ack) !== 0) {
      const ack: SerfQueryResponse = {
        type: 'queryResponse',
        ltime: msg.ltime,
        id: msg.id,
        from: h.config.name,
        flags: QUERY_FLAG.ack,
        payload: null,
      };
      this.#answer(
        msg.addr,
        msg.port,
        msg.sourceNode,
        msg.relayFactor,
        ack,
        encodeSerfMessage(ack),
      );
    }
    const timeoutMs = clampTimeoutMs(msg.timeoutNs);
    const deadlineMs = h.nowMs() + timeoutMs;
    const pending = {
      ltime: msg.ltime,
      id: msg.id,
      name: msg.name,
      addr: msg.addr,
      port: msg.port,
      sourceNode: msg.sourceNode,
      relayFactor: msg.relayFactor,
      deadlineMs,
    };
    if (msg.name.startsWith(INTERNAL_QUERY_PREFIX)) {
      if (msg.name === CONFLICT_QUERY) this.#answerConflict(pending, msg.payload);
      else if (isKeyQuery(msg.name)) this.#answerKey(pending, msg.name, msg.payload);
      return rebroadcast;
    }
    const key = this.#pending.add(pending, h.nowMs());
    h.emit({
      type: 'query',
      key,
      ltime: msg.ltime,
      id: msg.id,
      name: msg.name,
      payload: msg.payload,
      sourceNode: msg.sourceNode,
      deadlineMs,
    });
    return rebroadcast;
  }

  /** Serf's `handleQueryResponse`. */
  receiveResponse(msg: SerfQueryResponse): void {
    const h = this.#host;
    const isAck = (msg.flags & QUERY_FLAG.ack) !== 0;
    const got = this.#open.answer(msg.ltime, msg.id, msg.from, isAck, msg.payload, h.nowMs());
    if (got === null) return;
    if (got.query.ltime === this.#conflictLTime) return; // counted when the query closes
    h.emit({
      type: isAck ? 'query-ack' : 'query-response',
      ltime: msg.ltime,
      id: msg.id,
      name: got.query.name,
      from: msg.from,
      payload: got.answer.payload,
    });
  }

  /** The relay branch of Serf's `NotifyMsg`: forward the inner message to its destination. */
  receiveRelay(msg: SerfRelay): void {
    const h = this.#host;
    const dest = msg.destAddr;
    const known = [...h.members()].some((m) => m.port === dest.port && sameIp(m.ip, dest.ip));
    if (msg.message.type !== 'queryResponse' || !known) {
      this.stats.relaysRefused++;
      return;
    }
    if (!h.sendTo(dest.ip, dest.port, encodeSerfMessage(msg.message))) this.stats.unroutable++;
  }

  /** The `serf-query` timer: close queries past their deadline, forget stale pending ones. */
  onTimer(): void {
    const h = this.#host;
    const now = h.nowMs();
    for (const q of this.#open.expire(now)) {
      if (q.ltime === this.#conflictLTime) {
        this.#conflictLTime = null;
        this.#decideConflict(q.responses);
        continue;
      }
      h.emit({
        type: 'query-done',
        ltime: q.ltime,
        id: q.id,
        name: q.name,
        acks: q.acks.size,
        responses: q.responses.size,
      });
    }
    this.#pending.sweep(now);
    this.#armTimer();
  }

  /** memberlist reports another address claiming our name: ask the cluster (Serf §8.2). */
  onOwnNameConflict(): void {
    if (this.#conflictLTime !== null || !this.#host.config.nameConflictResolution) return;
    const q = this.query(CONFLICT_QUERY, utf8.encode(this.#host.config.name), {}, true);
    this.#conflictLTime = q.ltime;
  }

  #answerConflict(
    q: {
      addr: Uint8Array;
      port: number;
      sourceNode: string;
      relayFactor: number;
      ltime: bigint;
      id: number;
      deadlineMs: number;
    },
    payload: Uint8Array | null,
  ): void {
    const h = this.#host;
    const node = utf8Decoder.decode(payload ?? new Uint8Array(0));
    // Serf does not answer a conflict query about itself.
    if (node === h.config.name) return;
    let member: WireMember | null = null;
    for (const r of h.members()) {
      if (r.name === node) member = wireMember(r);
    }
    const resp: SerfQueryResponse = {
      type: 'queryResponse',
      ltime: q.ltime,
      id: q.id,
      from: h.config.name,
      flags: 0,
      payload: encodeSerfMessage({ type: 'conflictResponse', member }),
    };
    const bytes = encodeSerfMessage(resp);
    if (bytes.length <= h.config.queryResponseSizeLimitBytes) {
      this.#answer(q.addr, q.port, q.sourceNode, q.relayFactor, resp, bytes);
    }
  }

  /** Serf's `handleInstallKey` / `UseKey` / `RemoveKey` / `ListKeys`, then `sendKeyResponse`. */
  #answerKey(
    q: {
      addr: Uint8Array;
      port: number;
      sourceNode: string;
      relayFactor: number;
      ltime: bigint;
      id: number;
    },
    name: string,
    payload: Uint8Array | null,
  ): void {
    const h = this.#host;
    const outcome = keyQueryResponse(name, payload, h.keyring(), h.config.limits);
    if (outcome.badRequest !== null) {
      h.badInput('user-message', outcome.badRequest.code, outcome.badRequest.message);
    }
    const respond = (p: Uint8Array): SerfQueryResponse => ({
      type: 'queryResponse',
      ltime: q.ltime,
      id: q.id,
      from: h.config.name,
      flags: 0,
      payload: p,
    });
    const limit = h.config.queryResponseSizeLimitBytes;
    const answer = encodeKeyResponse(
      outcome.response,
      (p) => encodeSerfMessage(respond(p)).length <= limit,
    );
    if (answer === null) return;
    const resp = respond(answer);
    this.#answer(q.addr, q.port, q.sourceNode, q.relayFactor, resp, encodeSerfMessage(resp));
  }

  /** Serf's `resolveNodeConflict` verdict: we stay if a majority of answers show our address. */
  #decideConflict(responses: ReadonlyMap<string, Uint8Array | null>): void {
    const h = this.#host;
    const self = h.selfAddress();
    let counted = 0;
    let matching = 0;
    for (const payload of responses.values()) {
      if (payload === null || payload.length === 0) continue;
      let m: ReturnType<typeof decodeSerfMessage>;
      try {
        m = decodeSerfMessage(payload, h.config.limits);
      } catch (e) {
        if (!isRemoteError(e)) throw e;
        h.badInput('user-message', e.code, `conflict response: ${e.message}`);
        continue;
      }
      if (m.type !== 'conflictResponse') continue;
      counted++;
      const member = m.member;
      if (member !== null && member.port === self.port && sameIp(member.addr, self.ip)) {
        matching++;
      }
    }
    const majority = Math.floor(counted / 2) + 1;
    if (matching < majority) h.conflictLost(matching, counted);
  }

  /** Sends an ack or response to the query's source, and through `relayFactor` members. */
  #answer(
    addr: Uint8Array,
    port: number,
    sourceNode: string,
    relayFactor: number,
    resp: SerfQueryResponse,
    bytes: Uint8Array,
  ): void {
    const h = this.#host;
    const self = h.selfAddress();
    if (port === self.port && sameIp(addr, self.ip)) this.receiveResponse(resp);
    else if (!h.sendTo(addr, port, bytes)) this.stats.unroutable++;
    if (relayFactor === 0) return;
    const members = [...h.members()];
    if (members.length < relayFactor + 1) return;
    const relays = members.filter(
      (m) => m.status === 'alive' && (m.vsn?.[1] ?? 0) >= 5 && m.name !== h.config.name,
    );
    const relayBytes = encodeSerfMessage({
      type: 'relay',
      destAddr: { ip: addr, port, zone: '' },
      destName: sourceNode,
      message: resp,
    });
    // Partial Fisher–Yates: relayFactor distinct members at random.
    for (let i = 0; i < relayFactor && i < relays.length; i++) {
      const j = i + h.randomInt(relays.length - i);
      const pick = relays[j]!;
      relays[j] = relays[i]!;
      relays[i] = pick;
      if (!h.sendTo(pick.ip, pick.port, relayBytes)) this.stats.unroutable++;
    }
  }

  #armTimer(): void {
    const next = this.#open.nextDeadlineMs();
    if (Number.isFinite(next)) this.#host.armTimer(Math.max(0, next - this.#host.nowMs()));
  }
}

function clampTimeoutMs(timeoutNs: bigint): number {
  if (timeoutNs <= 0n) return 0;
  const ms = timeoutNs / NS_PER_MS;
  return ms > BigInt(QUERY_TIMEOUT_MS_MAX) ? QUERY_TIMEOUT_MS_MAX : Number(ms);
}

/** Our record of a member as Serf's wire `Member` (the body of a conflict response). */
function wireMember(r: MemberRecord): WireMember {
  const v = r.vsn;
  return {
    name: r.name,
    addr: r.ip,
    port: r.port,
    tags: r.tags,
    status: MEMBER_STATUS[r.status],
    protocolMin: v?.[0] ?? 0,
    protocolMax: v?.[1] ?? 0,
    protocolCur: v?.[2] ?? 0,
    delegateMin: v?.[3] ?? 0,
    delegateMax: v?.[4] ?? 0,
    delegateCur: v?.[5] ?? 0,
  };
}

/** Equal IPs, an IPv4 address and its IPv4-mapped IPv6 form (::ffff:a.b.c.d) included. */
function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  const x = unmapV4(a);
  const y = unmapV4(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function unmapV4(ip: Uint8Array): Uint8Array {
  if (ip.length !== 16 || ip[10] !== 0xff || ip[11] !== 0xff) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return ip;
  return ip.subarray(12);
}
