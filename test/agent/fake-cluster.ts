/**
 * An in-memory `AgentCluster` for tests of the layers above it (HTTP API, process glue,
 * `hearsay members`): members are whatever the test puts in, events fire when the test
 * says, and every call is recorded so tests can check the order (leave before shutdown).
 */

import type { AgentCluster, AgentMember, MemberEvent } from '../../src/agent/cluster.ts';
import type { HostPort } from '../../src/agent/config.ts';

export class FakeCluster implements AgentCluster {
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
