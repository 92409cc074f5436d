/**
 * An in-memory `AgentCluster` for tests of the layers above it (HTTP API, process glue,
 * `hearsay members`): members are whatever the test puts in, events fire when the test
 * says, and every call is recorded so tests can check the order (leave before shutdown).
 */

import type {
  AgentCluster,
  AgentClusterServices,
  AgentMember,
  ClusterStats,
  IncomingQuery,
  KeyringView,
  MemberEvent,
  QueryParams,
  QueryReply,
  QueryResult,
  UserEvent,
} from '../../src/agent/cluster.ts';
import type { HostPort } from '../../src/agent/config.ts';
import { ConfigError } from '../../src/core/errors.ts';

/** Serf's limit on a user event's name plus payload. */
const EVENT_BYTES_MAX = 512;

export class FakeCluster implements AgentCluster, AgentClusterServices {
  readonly bound: HostPort;
  readonly advertise: HostPort;
  readonly calls: string[] = [];
  membersList: AgentMember[];
  /** What `join` does; default: every seed answers. */
  joinImpl: (seeds: readonly HostPort[], signal?: AbortSignal) => Promise<number> = async (s) =>
    s.length;
  /** What `leave` does; default: done at once. */
  leaveImpl: (signal?: AbortSignal) => Promise<void> = async () => {};
  readonly #listeners = new Set<(e: MemberEvent) => void>();
  readonly #self: AgentMember;

  constructor(self: AgentMember, others: AgentMember[] = []) {
    this.#self = self;
    this.bound = { host: self.addr, port: self.port };
    this.advertise = this.bound;
    this.membersList = [self, ...others];
  }

  local(): AgentMember {
    return this.#self;
  }

  members(): AgentMember[] {
    this.calls.push('members');
    return this.membersList;
  }

  join(seeds: readonly HostPort[], signal?: AbortSignal): Promise<number> {
    this.calls.push(`join ${seeds.map((s) => `${s.host}:${s.port}`).join(',')}`);
    return this.joinImpl(seeds, signal);
  }

  leave(signal?: AbortSignal): Promise<void> {
    this.calls.push('leave');
    return this.leaveImpl(signal);
  }

  async shutdown(): Promise<void> {
    this.calls.push('shutdown');
  }

  onMemberEvent(listener: (event: MemberEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  fire(event: MemberEvent): void {
    for (const l of this.#listeners) l(event);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  // ── services: events go to this node's own listeners; queries are answered by `answers`.

  readonly #userListeners = new Set<(e: UserEvent) => void>();
  readonly #queryListeners = new Set<(q: IncomingQuery) => void>();
  #ltime = 0n;
  /** Replies a query gets, in order (default: an ack and a response from the local node). */
  answers: QueryReply[] | null = null;
  keyring: { primary: string | null; keys: string[] } = { primary: null, keys: [] };
  statsValue: ClusterStats = emptyStats();

  async sendEvent(name: string, payload: Uint8Array, coalesce: boolean): Promise<bigint> {
    this.calls.push(`event ${name}`);
    if (name.length === 0) throw new ConfigError('name', 'an event needs a name');
    if (Buffer.byteLength(name) + payload.length > EVENT_BYTES_MAX) {
      throw new ConfigError('payload', `name and payload exceed ${EVENT_BYTES_MAX} bytes`);
    }
    this.#ltime++;
    const e: UserEvent = { name, payload, ltime: this.#ltime, coalesce };
    for (const l of this.#userListeners) l(e);
    return e.ltime;
  }

  onUserEvent(listener: (event: UserEvent) => void): () => void {
    this.#userListeners.add(listener);
    return () => this.#userListeners.delete(listener);
  }

  async query(
    params: QueryParams,
    onReply?: (reply: QueryReply) => void,
    _signal?: AbortSignal,
  ): Promise<QueryResult> {
    this.calls.push(`query ${params.name}`);
    this.#ltime++;
    const replies = this.answers ?? [
      { type: 'ack', from: this.#self.name },
      { type: 'response', from: this.#self.name, payload: params.payload },
    ];
    const acks: string[] = [];
    const responses: { from: string; payload: Uint8Array }[] = [];
    for (const r of replies) {
      onReply?.(r);
      if (r.type === 'ack') acks.push(r.from);
      else responses.push({ from: r.from, payload: r.payload });
    }
    return { acks, responses, ltime: this.#ltime };
  }

  onQuery(listener: (query: IncomingQuery) => void): () => void {
    this.#queryListeners.add(listener);
    return () => this.#queryListeners.delete(listener);
  }

  /** Deliver a query to this node's listeners; returns what they answered. */
  fireQuery(name: string, payload: Uint8Array, from = 'peer'): Uint8Array[] {
    const answered: Uint8Array[] = [];
    this.#ltime++;
    const q: IncomingQuery = {
      name,
      payload,
      from,
      ltime: this.#ltime,
      respond: (p) => {
        if (answered.length > 0) return false;
        answered.push(p);
        return true;
      },
    };
    for (const l of this.#queryListeners) l(q);
    return answered;
  }

  listKeys(): KeyringView {
    return { primary: this.keyring.primary, keys: [...this.keyring.keys] };
  }

  async installKey(key: string): Promise<void> {
    this.calls.push('installKey');
    if (!this.keyring.keys.includes(key)) this.keyring.keys.push(key);
    this.keyring.primary ??= key;
  }

  async useKey(key: string): Promise<void> {
    this.calls.push('useKey');
    if (!this.keyring.keys.includes(key)) throw new ConfigError('key', 'not installed');
    this.keyring.primary = key;
  }

  async removeKey(key: string): Promise<void> {
    this.calls.push('removeKey');
    if (this.keyring.primary === key) throw new ConfigError('key', 'cannot remove the primary key');
    this.keyring.keys = this.keyring.keys.filter((k) => k !== key);
  }

  stats(): ClusterStats {
    return this.statsValue;
  }
}

export function emptyStats(): ClusterStats {
  return {
    membersByState: { alive: 0, suspect: 0, leaving: 0, left: 0, failed: 0 },
    probes: { ok: 0, failed: 0 },
    suspicions: 0,
    messagesIn: {},
    messagesOut: {},
    bytesIn: {},
    bytesOut: {},
    dropped: {},
    broadcastQueueDepth: 0,
    userEvents: { sent: 0, received: 0 },
    queries: { sent: 0, received: 0 },
    healthScore: 0,
  };
}

export function member(
  name: string,
  port: number,
  state: AgentMember['state'] = 'alive',
  tags: Record<string, string> = {},
): AgentMember {
  return { name, addr: '127.0.0.1', port, tags, state };
}

/** A logger sink: every line written, for assertions. */
export function logSink(): { readonly lines: string[]; write(text: string): void } {
  const lines: string[] = [];
  return {
    lines,
    write(text) {
      lines.push(text);
    },
  };
}
