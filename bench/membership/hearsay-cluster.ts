/**
 * `ClusterUnderTest` for `hearsay agent` processes (src/agent), the peer of serf-cluster.ts.
 *
 * Each node is `node bin/hearsay.js agent --name hearsay-I --bind 127.0.0.1:0 --http
 * 127.0.0.1:0 [--join SEED]`: the agent resolves port 0 itself and says where it listens in
 * the one JSON `listening` line on its stdout (`{"event":"listening","name","bind","http"}`),
 * so no port is guessed. The joiners learn the seed's gossip address from the seed's line;
 * their own lines arrive after the spawn, and `members(i)` rejects until node i's has.
 * Member lists come from `GET /v1/members` (`[{name, addr, port, tags, state}]`), whose
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

import { type ChildProcess, spawn } from 'node:child_process';
import { Agent as HttpAgent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../test/support/serf/wait-for.ts';
import {
  type ClusterUnderTest,
  type MemberView,
  memberStatusOf,
  type StartOptions,
} from './cluster-under-test.ts';

export const HEARSAY_BIN_PATH = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));

const SEED_READY_DEADLINE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES_MAX = 8_192;
const STDOUT_LINE_BYTES_MAX = 4_096;
const HTTP_DEADLINE_MS = 5_000;
/** The agent's own bound on a join (join-route.ts) and a little more. */
const JOIN_DEADLINE_MS = 35_000;
const JOIN_ANSWER_BYTES_MAX = 64 * 1024;

/** One request over `agent`; resolves with the status and body text (bounded). */
function httpCall(
  agent: HttpAgent,
  address: string,
  method: string,
  path: string,
  body: unknown,
  deadlineMs: number,
): Promise<{ status: number; text: string }> {
  const colon = address.lastIndexOf(':');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        method,
        path,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(deadlineMs),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < JOIN_ANSWER_BYTES_MAX) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface HearsayClusterUnderTestOptions {
  readonly encryptKey?: string;
  readonly extraArgs?: readonly string[];
}

class HearsayNode {
  readonly name: string;
  readonly child: ChildProcess;
  bind: string | undefined;
  http: string | undefined;
  stderrTail = '';
  exited = false;
  readonly exitedPromise: Promise<void>;
  #stdout = '';

  constructor(name: string, args: readonly string[]) {
    this.name = name;
    this.child = spawn(process.execPath, [HEARSAY_BIN_PATH, 'agent', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exitedPromise = new Promise((resolve) => {
      this.child.on('exit', () => {
        this.exited = true;
        resolve();
      });
      this.child.on('error', (err) => {
        this.stderrTail += `[bench: spawn failed] ${err.message}\n`;
        if (this.child.pid === undefined) {
          this.exited = true;
          resolve();
        }
      });
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.#onStdout(s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL_BYTES_MAX);
    });
  }

  #onStdout(text: string): void {
    const lines = (this.#stdout + text).split('\n');
    this.#stdout = (lines.pop() ?? '').slice(-STDOUT_LINE_BYTES_MAX);
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as { event?: string; bind?: string; http?: string };
        if (e.event === 'listening') {
          this.bind = e.bind;
          this.http = e.http;
        }
      } catch {
        this.stderrTail += `[bench: non-JSON stdout] ${line}\n`;
      }
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export class HearsayClusterUnderTest implements ClusterUnderTest {
  readonly system: string;
  readonly #options: HearsayClusterUnderTestOptions;
  #nodes: HearsayNode[] = [];
  /** Running mode: the kept-alive connections the joins go over. */
  #joinAgent: HttpAgent | undefined;

  constructor(version: string, options: HearsayClusterUnderTestOptions = {}) {
    this.#options = options;
    this.system = `hearsay ${version}${options.encryptKey === undefined ? '' : ', encrypted'}`;
  }

  get size(): number {
    return this.#nodes.length;
  }

  nameOf(index: number): string {
    return `hearsay-${index}`;
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
      for (let i = 0; i < n; i++)
        this.#nodes.push(new HearsayNode(this.nameOf(i), this.#args(i, undefined)));
      return spawnedAtMs;
    }
    const seed = new HearsayNode(this.nameOf(0), this.#args(0, undefined));
    this.#nodes = [seed];
    await waitFor(
      () => {
        if (seed.exited) throw new Error(`${seed.name} exited:\n${seed.stderrTail}`);
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
    for (let i = 1; i < n; i++)
      this.#nodes.push(new HearsayNode(this.nameOf(i), this.#args(i, seed.bind)));
    return spawnedAtMs;
  }

  async members(index: number): Promise<MemberView[]> {
    const node = this.#nodes[index]!;
    if (node.exited) throw new Error(`${node.name} exited:\n${node.stderrTail}`);
    if (node.http === undefined) throw new Error(`${node.name} has not printed its listening line`);
    const res = await fetch(`http://${node.http}/v1/members`, {
      signal: AbortSignal.timeout(HTTP_DEADLINE_MS),
    });
    if (!res.ok) throw new Error(`${node.name}: GET /v1/members answered ${res.status}`);
    const body = (await res.json()) as { name: string; state: string }[];
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
    this.#nodes[index]!.kill('SIGKILL');
  }

  pids(): number[] {
    return this.#nodes.map((n) => n.child.pid ?? -1);
  }

  quiesce(): void {
    this.#closeJoins();
    // fetch's kept-alive connections close by themselves after a few idle seconds; the idle
    // window starts after the settle period, by which time they are gone.
  }

  async stop(): Promise<void> {
    this.#closeJoins();
    for (const n of this.#nodes) n.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const n of this.#nodes) n.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(this.#nodes.map((n) => n.exitedPromise));
    clearTimeout(timer);
    this.#nodes = [];
  }
}
