/**
 * `EventCluster` for real Serf agents, started the way bench/membership/serf-cluster.ts
 * starts them (ports from `PortRange`, below the ephemeral range, chosen before any spawn;
 * the seed up first, then every joiner at once) with two more flags: the benchmark's handler
 * (`-event-handler user:NAME=SCRIPT`) and `-log-level=warn`. Serf logs every user event it
 * receives at INFO ("agent: Received event: user-event: …"); at 1,000 events/s × 64 agents
 * that is 64,000 lines/s for this process to read, which would compete with the agents for
 * the two cores. hearsay agents run at `warn` too.
 *
 * Events go over each agent's kept-open RPC connection (`Coalesce: false`). The load sender
 * pipelines on a few extra RPC connections of its own: one connection holds at most
 * `PENDING_MAX` (64) requests, and a closed one (a request past its deadline closes it) is
 * replaced on the next send. Serf has no received-events counter: `countReceived` streams
 * them (serf-event-count.ts).
 */

import { type SerfAgent, type SerfProfile, startSerfAgent } from '../../test/support/serf/agent.ts';
import { PortRange } from '../../test/support/serf/ports.ts';
import { SerfRpcClient } from '../../test/support/serf/rpc-client.ts';
import { ensureSerf } from '../../test/support/serf/serf-binary.ts';
import type {
  AgentEventCounters,
  EventCluster,
  EventClusterStart,
  LoadSender,
  ReceiveCounter,
} from './event-cluster.ts';
import { SerfEventCounter } from './serf-event-count.ts';

const SEED_READY_DEADLINE_MS = 20_000;
/** RPC connections of the load sender; 64 requests in flight on each (rpc-client.ts). */
const LOAD_CONNECTIONS = 4;
const LOAD_PENDING_PER_CONNECTION = 64;

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

class SerfLoadSender implements LoadSender {
  readonly inFlightMax = LOAD_CONNECTIONS * LOAD_PENDING_PER_CONNECTION;
  readonly #rpcAddr: string;
  readonly #clients: (Promise<SerfRpcClient> | undefined)[] = new Array(LOAD_CONNECTIONS);
  /** Requests in flight per connection. */
  readonly #pending: number[] = new Array(LOAD_CONNECTIONS).fill(0);
  #closed = false;

  constructor(rpcAddr: string) {
    this.#rpcAddr = rpcAddr;
  }

  async #client(slot: number): Promise<SerfRpcClient> {
    const current = this.#clients[slot];
    if (current !== undefined) {
      const c = await current.catch(() => undefined);
      if (c !== undefined && !c.closed) return c;
    }
    const next = SerfRpcClient.connect(this.#rpcAddr);
    this.#clients[slot] = next;
    next.catch(() => {});
    return next;
  }

  async send(name: string, payload: string): Promise<void> {
    if (this.#closed) throw new Error('load sender closed');
    // The least busy connection: round robin let one slow connection pass its 64-request
    // limit while the others had room, which counted as send errors against Serf.
    let slot = 0;
    for (let i = 1; i < LOAD_CONNECTIONS; i++) {
      if (this.#pending[i]! < this.#pending[slot]!) slot = i;
    }
    this.#pending[slot]! += 1;
    try {
      await (await this.#client(slot)).event(name, payload, false);
    } finally {
      this.#pending[slot]! -= 1;
    }
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#clients) c?.then((x) => x.close()).catch(() => {});
  }
}

export class SerfEventCluster implements EventCluster {
  readonly system: string;
  #agents: SerfAgent[] = [];

  constructor(version: string, profile: string) {
    this.system = `serf ${version}, profile ${profile}`;
  }

  get size(): number {
    return this.#agents.length;
  }

  nameOf(index: number): string {
    return `serf-${index}`;
  }

  async start(o: EventClusterStart): Promise<void> {
    const serf = ensureSerf();
    if (!serf.ok) throw new Error(serf.reason);
    const range = new PortRange();
    const ports: { bind: string; rpc: string }[] = [];
    for (let i = 0; i < o.nodes; i++) {
      ports.push({
        bind: `127.0.0.1:${await range.take()}`,
        rpc: `127.0.0.1:${await range.take()}`,
      });
    }
    const common = {
      profile: o.profile as SerfProfile,
      extraArgs: [
        `-event-handler=user:${o.handledEventName}=${o.handlerScript}`,
        '-log-level=warn',
      ],
    };
    const seed = await startSerfAgent({
      ...common,
      name: this.nameOf(0),
      bind: ports[0]!.bind,
      rpcAddr: ports[0]!.rpc,
      readyDeadlineMs: SEED_READY_DEADLINE_MS,
    });
    this.#agents = [seed];
    for (let i = 1; i < o.nodes; i++) {
      this.#agents.push(
        await startSerfAgent({
          ...common,
          name: this.nameOf(i),
          bind: ports[i]!.bind,
          rpcAddr: ports[i]!.rpc,
          join: [seed.bindAddr],
          waitReady: false,
        }),
      );
    }
  }

  #agent(index: number): SerfAgent {
    const agent = this.#agents[index];
    if (agent === undefined) throw new Error(`no serf agent ${index}`);
    if (!agent.running) {
      throw new Error(
        `${agent.name} exited (${JSON.stringify(agent.exitInfo)})\n${agent.logText(20)}`,
      );
    }
    return agent;
  }

  async aliveSeen(index: number): Promise<number> {
    const list = await this.#agent(index).membersRpc();
    return list.filter((m) => m.status === 'alive').length;
  }

  async sendEvent(index: number, name: string, payload: string): Promise<void> {
    await (await this.#agent(index).rpc()).event(name, payload, false);
  }

  loadSender(index: number): LoadSender {
    return new SerfLoadSender(this.#agent(index).rpcAddr);
  }

  async counters(index: number): Promise<AgentEventCounters> {
    const stats = await (await this.#agent(index).rpc()).stats();
    return {
      received: null,
      eventClock: numberOrNull(stats.serf?.event_time),
      queueDepth: numberOrNull(stats.serf?.event_queue),
      dropped: null,
    };
  }

  countReceived(index: number, name: string): Promise<ReceiveCounter> {
    return SerfEventCounter.open(this.#agent(index).rpcAddr, name);
  }

  pids(): number[] {
    return this.#agents.map((a) => a.pid);
  }

  describe(index: number): string {
    return this.#agents[index]?.describe() ?? `node ${index}: not started`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#agents.map((a) => a.stop()));
    this.#agents = [];
  }
}
