/**
 * `EventCluster` for `hearsay agent` processes, started as bench/membership/hearsay-cluster.ts
 * starts them (`--bind 127.0.0.1:0 --http 127.0.0.1:0`, addresses learnt from the one JSON
 * `listening` line on stdout; the seed first, then every joiner at once with `--join SEED`),
 * plus the benchmark's handler (`--event-handler user:NAME=SCRIPT`), `--profile` and
 * `--log-level warn` (Serf runs at warn too; serf-agents.ts says why). Both spawn agents
 * through bench/support/hearsay-agent-process.ts.
 *
 * Events: `POST /v1/events {name, payload, coalesce: false}`; member lists `GET /v1/members`;
 * counters `GET /v1/info` (`stats.userEvents.received`, `stats.broadcastQueueDepth`,
 * `stats.dropped`). The load sender uses node:http with a keep-alive pool of
 * `LOAD_SOCKETS_MAX` connections (fetch's default pool is unbounded: 256 requests in flight
 * would open 256 sockets); requests beyond the pool wait in the pool's queue and count as in
 * flight.
 *
 * Every spawned PID is signalled by `stop` only (SIGTERM: a graceful leave, SIGKILL after a
 * grace period), and registered with test/support/serf/cleanup.ts, which SIGKILLs it if the
 * benchmark dies first; stderr keeps a bounded tail.
 */

import { Agent as HttpAgent } from 'node:http';
import { waitFor } from '../../test/support/serf/wait-for.ts';
import {
  HearsayAgentProcess,
  httpCall,
  stopAgentProcesses,
} from '../support/hearsay-agent-process.ts';
import type {
  AgentEventCounters,
  EventCluster,
  EventClusterStart,
  LoadSender,
} from './event-cluster.ts';

const SEED_READY_DEADLINE_MS = 30_000;
const HTTP_DEADLINE_MS = 5_000;
/** Keep-alive connections of the load sender to its agent. */
const LOAD_SOCKETS_MAX = 8;
/** Requests the load sender keeps in flight (sockets plus the pool's queue). */
const LOAD_IN_FLIGHT_MAX = 256;

/** POST a JSON body over `agent`; resolves with the answer body, rejects on non-2xx. */
async function postJson(
  agent: HttpAgent,
  http: string,
  path: string,
  body: unknown,
): Promise<string> {
  const r = await httpCall(agent, http, 'POST', path, body, HTTP_DEADLINE_MS);
  if (r.status >= 200 && r.status < 300) return r.text;
  throw new Error(`POST ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
}

class HearsayLoadSender implements LoadSender {
  readonly inFlightMax = LOAD_IN_FLIGHT_MAX;
  readonly #http: string;
  readonly #agent = new HttpAgent({ keepAlive: true, maxSockets: LOAD_SOCKETS_MAX });

  constructor(http: string) {
    this.#http = http;
  }

  async send(name: string, payload: string): Promise<void> {
    await postJson(this.#agent, this.#http, '/v1/events', { name, payload, coalesce: false });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export class HearsayEventCluster implements EventCluster {
  readonly system: string;
  #nodes: HearsayAgentProcess[] = [];
  /** One keep-alive connection per agent for the benchmark's own events. */
  #httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });

  constructor(version: string, profile: string) {
    this.system = `hearsay ${version}, profile ${profile}`;
  }

  get size(): number {
    return this.#nodes.length;
  }

  nameOf(index: number): string {
    return `hearsay-${index}`;
  }

  #args(index: number, o: EventClusterStart, join: string | undefined): string[] {
    const args = ['--name', this.nameOf(index), '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0'];
    if (join !== undefined) args.push('--join', join);
    args.push('--profile', o.profile, '--log-level', 'warn');
    args.push('--event-handler', `user:${o.handledEventName}=${o.handlerScript}`);
    return args;
  }

  async start(o: EventClusterStart): Promise<void> {
    this.#httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const seed = new HearsayAgentProcess(this.nameOf(0), this.#args(0, o, undefined));
    this.#nodes = [seed];
    await waitFor(
      () => {
        if (seed.exit !== undefined) throw new Error(`${seed.name} exited:\n${seed.stderrTail}`);
        return seed.bind !== undefined && seed.http !== undefined;
      },
      {
        deadlineMs: SEED_READY_DEADLINE_MS,
        what: `${seed.name} to print its listening line`,
        intervalMs: 20,
        describe: () => seed.stderrTail,
      },
    );
    for (let i = 1; i < o.nodes; i++) {
      this.#nodes.push(new HearsayAgentProcess(this.nameOf(i), this.#args(i, o, seed.bind)));
    }
  }

  #http(index: number): string {
    const node = this.#nodes[index];
    if (node === undefined) throw new Error(`no hearsay agent ${index}`);
    if (node.exit !== undefined) throw new Error(`${node.name} exited:\n${node.stderrTail}`);
    if (node.http === undefined) throw new Error(`${node.name} has not printed its listening line`);
    return node.http;
  }

  async #get(index: number, path: string): Promise<unknown> {
    const res = await fetch(`http://${this.#http(index)}${path}`, {
      signal: AbortSignal.timeout(HTTP_DEADLINE_MS),
    });
    if (!res.ok) throw new Error(`${this.nameOf(index)}: GET ${path} answered ${res.status}`);
    return res.json();
  }

  async aliveSeen(index: number): Promise<number> {
    const list = (await this.#get(index, '/v1/members')) as { state: string }[];
    return list.filter((m) => m.state === 'alive').length;
  }

  async sendEvent(index: number, name: string, payload: string): Promise<void> {
    await postJson(this.#httpAgent, this.#http(index), '/v1/events', {
      name,
      payload,
      coalesce: false,
    });
  }

  loadSender(index: number): LoadSender {
    return new HearsayLoadSender(this.#http(index));
  }

  async counters(index: number): Promise<AgentEventCounters> {
    const info = (await this.#get(index, '/v1/info')) as {
      stats?: {
        userEvents?: { received?: number };
        broadcastQueueDepth?: number;
        dropped?: Record<string, number>;
      };
    };
    const dropped = Object.fromEntries(
      Object.entries(info.stats?.dropped ?? {}).filter(([k]) => k.startsWith('serf:user-event')),
    );
    return {
      received: info.stats?.userEvents?.received ?? null,
      eventClock: null,
      queueDepth: info.stats?.broadcastQueueDepth ?? null,
      dropped,
    };
  }

  pids(): number[] {
    return this.#nodes.map((n) => n.child.pid ?? -1);
  }

  describe(index: number): string {
    const n = this.#nodes[index];
    if (n === undefined) return `node ${index}: not started`;
    const state = n.exit === undefined ? 'running' : `exited (${n.exit})`;
    return `${n.name} (${n.bind ?? 'no listening line'}, pid ${n.child.pid}) ${state}\n${n.stderrTail.split('\n').slice(-8).join('\n')}`;
  }

  async stop(): Promise<void> {
    this.#httpAgent.destroy();
    await stopAgentProcesses(this.#nodes);
    this.#nodes = [];
  }
}
