/**
 * `ClusterUnderTest` for `hearsay agent` processes (src/agent), the peer of serf-cluster.ts.
 *
 * Each node is `node bin/hearsay.js agent --name hearsay-I --bind 127.0.0.1:0 --http
 * 127.0.0.1:0 [--join SEED]`, a `HearsayAgentProcess` (bench/support): the agent resolves
 * port 0 itself and says where it listens in the one JSON `listening` line on its stdout, so
 * no port is guessed. The joiners learn the seed's gossip address from the seed's line;
 * their own lines arrive after the spawn, and `members(i)` rejects until node i's has.
 * Member lists come from `GET /v1/members` (`[{name, addr, port, tags, state}]`, over one
 * kept-alive connection per agent), whose
 * `state` includes `suspect`, so false positives are seen in the lists; the agent's logs are
 * not parsed (`suspicions` is absent).
 *
 * Running mode (`start(n, {join: false})`): all n agents are spawned at once with no `--join`;
 * `join(i)` is `POST /v1/join {"addrs": [SEED]}` (what `hearsay join SEED` sends) over a
 * kept-alive connection that `prepareJoins` opened with a `GET /v1/health` (one socket per
 * agent, its own `http.Agent`, apart from the `fetch` pool the member lists are polled on).
 *
 * Every spawned PID is SIGKILLed by `kill`/`stop` only; stderr keeps a bounded tail.
 */

import { Agent as HttpAgent } from 'node:http';
import { waitFor } from '../../test/support/serf/wait-for.ts';
import {
  HearsayAgentProcess,
  httpCall,
  stopAgentProcesses,
} from '../support/hearsay-agent-process.ts';
import {
  type ClusterUnderTest,
  type MemberView,
  memberStatusOf,
  type StartOptions,
} from './cluster-under-test.ts';

export { HEARSAY_BIN_PATH } from '../support/hearsay-agent-process.ts';

const SEED_READY_DEADLINE_MS = 30_000;
const HTTP_DEADLINE_MS = 5_000;
/** The agent's own bound on a join (join-route.ts) and a little more. */
const JOIN_DEADLINE_MS = 35_000;

export interface HearsayClusterUnderTestOptions {
  readonly encryptKey?: string;
  readonly extraArgs?: readonly string[];
  /** Flags for node itself, before the script (`--no-efficiency-mode` and the like). */
  readonly nodeFlags?: readonly string[];
}

export class HearsayClusterUnderTest implements ClusterUnderTest {
  readonly system: string;
  readonly #options: HearsayClusterUnderTestOptions;
  #nodes: HearsayAgentProcess[] = [];
  /** Running mode: the kept-alive connections the joins go over. */
  #joinAgent: HttpAgent | undefined;
  /**
   * The member-list polls: one kept-alive connection per agent, as Serf's polls go over one
   * kept-open RPC connection per agent. (`fetch` cost the harness about half as much CPU
   * again, on the same 2 cores the agents share.)
   */
  #pollAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });

  constructor(version: string, options: HearsayClusterUnderTestOptions = {}) {
    this.#options = options;
    const flags = options.nodeFlags?.length ? `, node ${options.nodeFlags.join(' ')}` : '';
    this.system = `hearsay ${version}${options.encryptKey === undefined ? '' : ', encrypted'}${flags}`;
  }

  get size(): number {
    return this.#nodes.length;
  }

  nameOf(index: number): string {
    return `hearsay-${index}`;
  }

  /** Starts agent `index`, joining `join` when given. */
  #spawn(index: number, join: string | undefined): HearsayAgentProcess {
    return new HearsayAgentProcess(
      this.nameOf(index),
      this.#args(index, join),
      this.#options.nodeFlags ?? [],
    );
  }

  #args(index: number, join: string | undefined): string[] {
    const args = ['--name', this.nameOf(index), '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0'];
    if (join !== undefined) args.push('--join', join);
    if (this.#options.encryptKey !== undefined) args.push('--encrypt', this.#options.encryptKey);
    args.push(...(this.#options.extraArgs ?? []));
    return args;
  }

  async start(n: number, options: StartOptions = {}): Promise<number> {
    if (options.join === false) {
      const spawnedAtMs = performance.now();
      this.#nodes = [];
      for (let i = 0; i < n; i++) this.#nodes.push(this.#spawn(i, undefined));
      return spawnedAtMs;
    }
    const seed = this.#spawn(0, undefined);
    this.#nodes = [seed];
    await waitFor(
      () => {
        if (seed.hasExited) throw new Error(`${seed.name} exited:\n${seed.stderrTail}`);
        return seed.bind !== undefined && seed.http !== undefined;
      },
      {
        deadlineMs: SEED_READY_DEADLINE_MS,
        what: `${seed.name} to print its listening line`,
        intervalMs: 20,
        describe: () => seed.stderrTail,
      },
    );
    const spawnedAtMs = performance.now();
    for (let i = 1; i < n; i++) this.#nodes.push(this.#spawn(i, seed.bind));
    return spawnedAtMs;
  }

  async members(index: number): Promise<MemberView[]> {
    const node = this.#nodes[index]!;
    if (node.hasExited) throw new Error(`${node.name} exited:\n${node.stderrTail}`);
    if (node.http === undefined) throw new Error(`${node.name} has not printed its listening line`);
    const res = await httpCall(
      this.#pollAgent,
      node.http,
      'GET',
      '/v1/members',
      undefined,
      HTTP_DEADLINE_MS,
    );
    if (res.status !== 200) throw new Error(`${node.name}: GET /v1/members answered ${res.status}`);
    const body = JSON.parse(res.text) as { name: string; state: string }[];
    return body.map((m) => ({ name: m.name, status: memberStatusOf(m.state) }));
  }

  async prepareJoins(): Promise<void> {
    this.#closeJoins();
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    this.#joinAgent = agent;
    await Promise.all(
      this.#nodes.slice(1).map(async (node) => {
        if (node.http === undefined) throw new Error(`${node.name} is not listening`);
        const r = await httpCall(
          agent,
          node.http,
          'GET',
          '/v1/health',
          undefined,
          HTTP_DEADLINE_MS,
        );
        if (r.status !== 200) throw new Error(`${node.name}: GET /v1/health answered ${r.status}`);
      }),
    );
  }

  async join(index: number): Promise<number> {
    const node = this.#nodes[index]!;
    const seed = this.#nodes[0]!.bind;
    if (this.#joinAgent === undefined || node.http === undefined || seed === undefined) {
      throw new Error(`${node.name}: prepareJoins first`);
    }
    const r = await httpCall(
      this.#joinAgent,
      node.http,
      'POST',
      '/v1/join',
      { addrs: [seed] },
      JOIN_DEADLINE_MS,
    );
    const joined = r.status === 200 ? (JSON.parse(r.text) as { joined?: unknown }).joined : null;
    if (typeof joined !== 'number') {
      throw new Error(`${node.name}: POST /v1/join answered ${r.status}: ${r.text.slice(0, 500)}`);
    }
    return joined;
  }

  #closeJoins(): void {
    this.#joinAgent?.destroy();
    this.#joinAgent = undefined;
  }

  kill(index: number): void {
    this.#nodes[index]!.signal('SIGKILL');
  }

  pids(): number[] {
    return this.#nodes.map((n) => n.child.pid ?? -1);
  }

  quiesce(): void {
    this.#closeJoins();
    // No poll connection stays open into the idle window (a later poll opens a new one).
    this.#closePolls();
  }

  #closePolls(): void {
    this.#pollAgent.destroy();
    this.#pollAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  async stop(): Promise<void> {
    this.#closeJoins();
    this.#closePolls();
    await stopAgentProcesses(this.#nodes);
    this.#nodes = [];
  }
}
