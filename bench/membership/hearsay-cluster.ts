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
 * Every spawned PID is SIGKILLed by `kill`/`stop` only; stderr keeps a bounded tail.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../test/support/serf/wait-for.ts';
import { type ClusterUnderTest, type MemberView, memberStatusOf } from './cluster-under-test.ts';

export const HEARSAY_BIN_PATH = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));

const SEED_READY_DEADLINE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES_MAX = 8_192;
const STDOUT_LINE_BYTES_MAX = 4_096;
const HTTP_DEADLINE_MS = 5_000;

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

  async start(n: number): Promise<number> {
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

  kill(index: number): void {
    this.#nodes[index]!.kill('SIGKILL');
  }

  pids(): number[] {
    return this.#nodes.map((n) => n.child.pid ?? -1);
  }

  quiesce(): void {
    // fetch's kept-alive connections close by themselves after a few idle seconds; the idle
    // window starts after the settle period, by which time they are gone.
  }

  async stop(): Promise<void> {
    for (const n of this.#nodes) n.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const n of this.#nodes) n.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(this.#nodes.map((n) => n.exitedPromise));
    clearTimeout(timer);
    this.#nodes = [];
  }
}
