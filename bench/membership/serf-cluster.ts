/**
 * `ClusterUnderTest` for real Serf agents (test/support/serf).
 *
 * Ports are chosen before the clock starts, all joiners spawn at once after that, so a port
 * taken in between would make its agent exit. They come from below the ephemeral range
 * (ports.ts `PortRange`), where the joins' own outgoing connections cannot take them (a
 * first version drew them from port 0 and lost a trial in three to exactly that); in the
 * benchmark's private network namespace nothing else listens. Member lists come over each
 * agent's kept-open RPC connection: polling 64 agents every 50 ms through the `serf` CLI
 * would spawn over a thousand processes a second on two cores.
 *
 * Running mode (`start(n, {join: false})`): all n agents are spawned at once with no `-join`;
 * `join(i)` sends the RPC `join` (what `serf join SEED` sends) over a second RPC connection per
 * agent that `prepareJoins` opened and handshook, so the timed joins pay no connect.
 *
 * Suspicions come from the agents' INFO logs: memberlist logs "Suspect NAME has failed, no
 * acks received" when a probe of NAME fails and it starts suspecting it. Serf's member list
 * never shows `suspect` (a suspect member stays `alive` there until it is declared failed),
 * so the log is the only place a refuted suspicion can be seen.
 */

import { type SerfAgent, type SerfProfile, startSerfAgent } from '../../test/support/serf/agent.ts';
import { PortRange } from '../../test/support/serf/ports.ts';
import { SerfRpcClient } from '../../test/support/serf/rpc-client.ts';
import { ensureSerf } from '../../test/support/serf/serf-binary.ts';
import {
  type ClusterUnderTest,
  type MemberView,
  memberStatusOf,
  type StartOptions,
  type Suspicion,
} from './cluster-under-test.ts';

const SEED_READY_DEADLINE_MS = 20_000;
const SUSPECT_LINE = /memberlist: Suspect (\S+) has failed/;
/** Per RPC request on a join connection: as long as hearsay's join gets (hearsay-cluster.ts). */
const JOIN_DEADLINE_MS = 35_000;
/** Suspicions kept per run; a healthy run logs a handful. */
const SUSPICIONS_MAX = 100_000;

export interface SerfClusterUnderTestOptions {
  readonly profile?: SerfProfile;
  readonly encryptKey?: string;
  readonly extraArgs?: readonly string[];
}

export class SerfClusterUnderTest implements ClusterUnderTest {
  readonly system: string;
  readonly #options: SerfClusterUnderTestOptions;
  #agents: SerfAgent[] = [];
  #suspicions: Suspicion[] = [];
  /** Running mode: one RPC connection per agent for its join, apart from the polled one. */
  #joinClients: (SerfRpcClient | undefined)[] = [];

  constructor(version: string, options: SerfClusterUnderTestOptions = {}) {
    this.#options = options;
    this.system = `serf ${version}, profile ${options.profile ?? 'lan'}${options.encryptKey === undefined ? '' : ', encrypted'}`;
  }

  get size(): number {
    return this.#agents.length;
  }

  nameOf(index: number): string {
    return `serf-${index}`;
  }

  async start(n: number, options: StartOptions = {}): Promise<number> {
    const serf = ensureSerf();
    if (!serf.ok) throw new Error(serf.reason);
    const range = new PortRange();
    const ports: { bind: string; rpc: string }[] = [];
    for (let i = 0; i < n; i++) {
      ports.push({
        bind: `127.0.0.1:${await range.take()}`,
        rpc: `127.0.0.1:${await range.take()}`,
      });
    }
    const common = {
      ...(this.#options.profile === undefined ? {} : { profile: this.#options.profile }),
      ...(this.#options.encryptKey === undefined ? {} : { encryptKey: this.#options.encryptKey }),
      ...(this.#options.extraArgs === undefined ? {} : { extraArgs: this.#options.extraArgs }),
    };
    if (options.join === false) {
      this.#agents = [];
      const spawnedAtMs = performance.now();
      for (let i = 0; i < n; i++) {
        const agent = await startSerfAgent({
          ...common,
          name: this.nameOf(i),
          bind: ports[i]!.bind,
          rpcAddr: ports[i]!.rpc,
          waitReady: false,
        });
        this.#watch(agent);
        this.#agents.push(agent);
      }
      return spawnedAtMs;
    }
    const seed = await startSerfAgent({
      ...common,
      name: this.nameOf(0),
      bind: ports[0]!.bind,
      rpcAddr: ports[0]!.rpc,
      readyDeadlineMs: SEED_READY_DEADLINE_MS,
    });
    this.#watch(seed);
    this.#agents = [seed];
    const spawnedAtMs = performance.now();
    for (let i = 1; i < n; i++) {
      const agent = await startSerfAgent({
        ...common,
        name: this.nameOf(i),
        bind: ports[i]!.bind,
        rpcAddr: ports[i]!.rpc,
        join: [seed.bindAddr],
        waitReady: false,
      });
      this.#watch(agent);
      this.#agents.push(agent);
    }
    return spawnedAtMs;
  }

  async members(index: number): Promise<MemberView[]> {
    const agent = this.#agents[index]!;
    if (!agent.running) {
      throw new Error(
        `${agent.name} exited (${JSON.stringify(agent.exitInfo)})\n${agent.logText(20)}`,
      );
    }
    const list = await agent.membersRpc();
    return list.map((m) => ({ name: m.name, status: memberStatusOf(m.status) }));
  }

  async prepareJoins(): Promise<void> {
    this.#closeJoins();
    this.#joinClients = await Promise.all(
      this.#agents.map((a, i) =>
        i === 0 ? undefined : SerfRpcClient.connect(a.rpcAddr, JOIN_DEADLINE_MS),
      ),
    );
  }

  async join(index: number): Promise<number> {
    const client = this.#joinClients[index];
    if (client === undefined) throw new Error(`${this.nameOf(index)}: prepareJoins first`);
    return client.join([this.#agents[0]!.bindAddr]);
  }

  #closeJoins(): void {
    for (const c of this.#joinClients) c?.close();
    this.#joinClients = [];
  }

  kill(index: number): void {
    this.#agents[index]!.kill('SIGKILL');
  }

  pids(): number[] {
    return this.#agents.map((a) => a.pid);
  }

  suspicions(): Suspicion[] {
    return this.#suspicions;
  }

  quiesce(): void {
    this.#closeJoins();
    for (const a of this.#agents) a.closeRpc();
  }

  describe(index: number): string {
    return this.#agents[index]?.describe() ?? `node ${index}: not started`;
  }

  async stop(): Promise<void> {
    this.#closeJoins();
    await Promise.all(this.#agents.map((a) => a.stop()));
    this.#agents = [];
    this.#suspicions = [];
  }

  #watch(agent: SerfAgent): void {
    agent.onLog((line) => {
      const m = SUSPECT_LINE.exec(line.text);
      if (m !== null && this.#suspicions.length < SUSPICIONS_MAX) {
        this.#suspicions.push({ observer: agent.name, subject: m[1]!, atMs: line.atMs });
      }
    });
  }
}
