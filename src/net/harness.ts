/**
 * A cluster of node processes on 127.0.0.1, driven through their control channels.
 *
 * Shared by the process test (test/net/processes.test.ts) and the benchmark
 * (bench/real-host.ts). `ProcessCluster.start` spawns `n` copies of node-main.ts with
 * `--bind 127.0.0.1:0 --control`, reads each one's `listening` line for its port, and
 * `connectAll` tells every node about every other (the port-0 handshake: nobody knows a
 * port before the OS picks it). After that, `publish` and `waitDelivered` measure a rumor's
 * spread with each node's own wall-clock delivery stamp.
 *
 * Every wait is a condition with a deadline, never a sleep: a waiter resolves on the event
 * it is looking for and rejects when the deadline passes or the process exits. `stop` asks
 * every node to stop, waits (with a deadline) for it to exit, and SIGKILLs the survivors
 * by PID: only processes this cluster spawned are ever signalled. Call it in `finally`.
 * Each process keeps a bounded event log (`EVENTS_MAX`) and stderr tail for diagnostics.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from './control.ts';
import type { HostStatsSnapshot } from './host-stats.ts';

// The build (dist/) holds node-main.js beside this file; the sources hold node-main.ts.
export const NODE_MAIN_PATH = fileURLToPath(
  new URL(import.meta.url.endsWith('.js') ? './node-main.js' : './node-main.ts', import.meta.url),
);

/** Events kept per process; older ones are discarded. */
const EVENTS_MAX = 10_000;
/** Bytes of stderr kept per process for failure messages. */
const STDERR_TAIL_BYTES_MAX = 8_192;

export interface NodeEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface DeliverEvent extends NodeEvent {
  readonly event: 'deliver';
  readonly id: string;
  readonly hops: number;
  readonly atMs: number;
}

export interface StatsEvent extends NodeEvent, HostStatsSnapshot {
  readonly event: 'stats';
}

interface Waiter {
  readonly match: (e: NodeEvent) => boolean;
  readonly resolve: (e: NodeEvent) => void;
  readonly reject: (err: Error) => void;
}

export class NodeProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly events: NodeEvent[] = [];
  port = 0;
  seed = 0;
  exitCode: number | null | undefined;
  #stderrTail = '';
  #waiters = new Set<Waiter>();
  readonly exited: Promise<void>;

  constructor(index: number, args: readonly string[]) {
    this.index = index;
    this.child = spawn(process.execPath, [NODE_MAIN_PATH, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = new LineSplitter();
    this.child.stdout!.on('data', (chunk: Buffer) =>
      lines.push(
        chunk,
        (line) => this.#onLine(line),
        () => this.#appendStderr('[harness: overlong stdout line dropped]\n'),
      ),
    );
    this.child.stderr!.on('data', (chunk: Buffer) => this.#appendStderr(chunk.toString('utf8')));
    // A node that died makes writes fail with EPIPE; the exit is what we report.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      // A spawn that fails (no such executable) emits 'error' and never 'exit'.
      this.child.on('error', (err) => {
        if (this.child.pid !== undefined) return;
        this.exitCode = null;
        this.#appendStderr(`[harness: spawn failed] ${err.message}\n`);
        for (const w of this.#waiters) w.reject(err);
        this.#waiters.clear();
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.exitCode = code;
        const why = new Error(
          `node ${this.index} exited (code ${code}, signal ${signal})\n${this.stderrTail}`,
        );
        for (const w of this.#waiters) w.reject(why);
        this.#waiters.clear();
        resolve();
      });
    });
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  send(command: object): void {
    if (this.running) this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The first event (already seen, if `past`, or future) matching `match`, or reject at the deadline. */
  waitFor(match: (e: NodeEvent) => boolean, deadlineMs: number, past = true): Promise<NodeEvent> {
    if (past) {
      const seen = this.events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
    }
    if (!this.running) {
      return Promise.reject(new Error(`node ${this.index} is not running\n${this.stderrTail}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(`node ${this.index}: deadline of ${deadlineMs} ms passed\n${this.stderrTail}`),
        );
      }, deadlineMs);
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #onLine(line: string): void {
    let e: NodeEvent;
    try {
      e = JSON.parse(line) as NodeEvent;
    } catch {
      this.#appendStderr(`[harness: non-JSON stdout line] ${line}\n`);
      return;
    }
    if (e.event === 'listening') {
      this.port = e.port as number;
      this.seed = e.seed as number;
    }
    this.events.push(e);
    if (this.events.length > EVENTS_MAX) this.events.shift();
    for (const w of this.#waiters) {
      if (w.match(e)) {
        this.#waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  #appendStderr(text: string): void {
    this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_BYTES_MAX);
  }
}

export interface ClusterOptions {
  readonly nodes: number;
  /** Extra flags for every node (`--protocol`, `--period-ms`, …). */
  readonly args?: readonly string[];
  /** Node i gets `--seed seedBase + i`; omitted, each node draws its own (and reports it). */
  readonly seedBase?: number;
  /** Deadline for every node to report `listening`. */
  readonly startDeadlineMs?: number;
}

export class ProcessCluster {
  readonly nodes: NodeProcess[];

  private constructor(nodes: NodeProcess[]) {
    this.nodes = nodes;
  }

  /** Spawn and wait until every node listens. On failure, the spawned ones are killed. */
  static async start(options: ClusterOptions): Promise<ProcessCluster> {
    const nodes: NodeProcess[] = [];
    const cluster = new ProcessCluster(nodes);
    try {
      for (let i = 0; i < options.nodes; i++) {
        const seedArgs =
          options.seedBase === undefined ? [] : ['--seed', String(options.seedBase + i)];
        const args = ['--bind', '127.0.0.1:0', '--control', ...seedArgs, ...(options.args ?? [])];
        nodes.push(new NodeProcess(i, args));
      }
      const deadlineMs = options.startDeadlineMs ?? 30_000;
      await Promise.all(nodes.map((n) => n.waitFor((e) => e.event === 'listening', deadlineMs)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  addresses(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`);
  }

  /** Give every node the full address list; resolves when all have acknowledged. */
  async connectAll(deadlineMs = 5_000): Promise<void> {
    const peers = this.addresses();
    const acks = this.nodes.map((n) => n.waitFor((e) => e.event === 'peers', deadlineMs, false));
    for (const n of this.nodes) n.send({ cmd: 'peers', peers });
    await Promise.all(acks);
  }

  /** Publish at node `index`; returns the wall-clock ms just before the command was written. */
  publish(index: number, id: string, data: Uint8Array = new Uint8Array(0)): number {
    const atMs = Date.now();
    this.nodes[index]!.send({ cmd: 'publish', id, data: Buffer.from(data).toString('base64') });
    return atMs;
  }

  /**
   * Wait until every node has delivered `id`, or the deadline passes. Returns each node's
   * delivery time (wall-clock ms), `undefined` for nodes that had not delivered by then.
   */
  async waitDelivered(id: string, deadlineMs: number): Promise<(number | undefined)[]> {
    const isIt = (e: NodeEvent): boolean => e.event === 'deliver' && e.id === id;
    return Promise.all(
      this.nodes.map((n) =>
        n.waitFor(isIt, deadlineMs).then(
          (e) => (e as DeliverEvent).atMs,
          () => undefined,
        ),
      ),
    );
  }

  /** Ask every node for its counters. */
  async stats(deadlineMs = 5_000): Promise<StatsEvent[]> {
    const replies = this.nodes.map((n) => n.waitFor((e) => e.event === 'stats', deadlineMs, false));
    for (const n of this.nodes) n.send({ cmd: 'stats' });
    return (await Promise.all(replies)) as StatsEvent[];
  }

  /**
   * Stop every node: `stop` command, then wait up to `graceMs` for exits, then SIGKILL the
   * survivors by PID. Never throws; resolves when every spawned process has exited.
   */
  async stop(graceMs = 5_000): Promise<void> {
    for (const n of this.nodes) n.send({ cmd: 'stop' });
    const deadline = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, graceMs);
      t.unref();
    });
    await Promise.race([Promise.all(this.nodes.map((n) => n.exited)), deadline]);
    for (const n of this.nodes) {
      if (n.running && n.child.pid !== undefined) {
        try {
          process.kill(n.child.pid, 'SIGKILL');
        } catch {
          // Already gone between the check and the kill.
        }
      }
    }
    await Promise.all(this.nodes.map((n) => n.exited));
  }
}
