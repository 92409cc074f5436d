/**
 * `npm start`: a local cluster for a newcomer. Starts N `hearsay agent` processes (5 by
 * default) on 127.0.0.1 with free ports and the `local` timing profile, node-1 first as
 * the seed and the rest joining it; waits until node-1 lists all N alive; prints every
 * node's addresses and the dashboard's URL (node-1's HTTP API); runs until Ctrl-C; then
 * stops every agent with SIGTERM, which makes it leave the cluster gracefully, and exits.
 *
 * The agents run in their own process groups (`detached`), so the Ctrl-C a terminal
 * sends to its foreground group reaches only this script, and each agent gets exactly one
 * SIGTERM from it: a second signal would cut the agent's graceful leave short. A second
 * Ctrl-C here (not the echo of the first that npm forwards, hence `FORCE_AFTER_MS`)
 * kills the agents at once. When this script dies of an error, its `exit` handler
 * SIGKILLs whatever agents are still running, so a crash leaves nothing behind; a
 * SIGKILL of the script itself cannot be caught, and then `kill -- -PID` per agent (PIDs
 * are printed) cleans up.
 *
 * An agent that dies while the cluster runs (the README suggests `kill -9` on one to watch
 * it fail) is reported and the rest keep running.
 *
 * Also a module: `startLocalCluster` does the same for programs and tests, and `--json`
 * prints one machine-readable `ready` line instead of the text.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetchMembers } from '../src/agent/client.ts';
import { type HostPort, PROFILES, type Profile, parseHostPort } from '../src/agent/config.ts';

const BIN = fileURLToPath(new URL('../bin/hearsay.js', import.meta.url));

export const NODES_DEFAULT = 5;
export const NODES_MAX = 32;
/** From the first spawn to node-1 listing every node alive. */
export const READY_DEADLINE_MS = 30_000;
/** Longest wait for the graceful leaves at stop (the agent bounds its own leave at 15 s). */
export const STOP_DEADLINE_MS = 20_000;
/** A second signal closer than this to the first is the same Ctrl-C, relayed by npm. */
export const FORCE_AFTER_MS = 1000;
/** Characters of an agent's stderr kept to explain a failure. */
export const STDERR_TAIL_CHARS_MAX = 4000;
const POLL_MS = 100;

/** Every agent process spawned here, from the moment it is spawned until it exits. */
const spawned = new Set<ChildProcess>();

/**
 * SIGKILL every agent this module spawned that is still running, now. Synchronous, for
 * an `exit` handler; also covers agents still starting when something failed.
 */
export function killSpawned(): void {
  for (const child of spawned) if (isRunning(child)) child.kill('SIGKILL');
}

export interface LocalNode {
  readonly name: string;
  readonly pid: number;
  /** Gossip address, `ip:port` (what `--join` takes). */
  readonly advertise: string;
  /** HTTP API (and dashboard) address, `ip:port`. */
  readonly http: string;
}

export interface LocalClusterOptions {
  readonly nodes?: number;
  readonly profile?: Profile;
  /** The agents' log level; their logs go to `onLog` line by line. */
  readonly logLevel?: string;
  readonly onLog?: (node: string, line: string) => void;
  /** Called when an agent exits while the cluster runs (not during `stop`). */
  readonly onExit?: (node: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /** HTTP port of node-1 (the dashboard); 0: a free port. */
  readonly dashboardPort?: number;
  /** Abandons the start: no more agents are spawned, and the start rejects. */
  readonly signal?: AbortSignal;
}

interface Running {
  readonly node: LocalNode;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  stderrTail: string;
}

export class LocalCluster {
  readonly nodes: readonly LocalNode[];
  readonly dashboardUrl: string;
  readonly #running: readonly Running[];
  #stop: Promise<void> | undefined;

  constructor(running: readonly Running[]) {
    this.#running = running;
    this.nodes = running.map((r) => r.node);
    this.dashboardUrl = `http://${running[0]!.node.http}/`;
  }

  /**
   * SIGTERM every running agent (each leaves gracefully); SIGKILL the ones left after
   * `deadlineMs`. `onStopped` hears of each agent as it exits.
   */
  stop(
    deadlineMs: number = STOP_DEADLINE_MS,
    onStopped?: (node: LocalNode, afterMs: number) => void,
  ): Promise<void> {
    this.#stop ??= (async () => {
      const startMs = performance.now();
      const live = this.#running.filter((r) => isRunning(r.child));
      for (const r of live) r.child.kill('SIGTERM');
      const timer = setTimeout(() => this.kill(), deadlineMs);
      await Promise.all(
        live.map((r) => r.exited.then(() => onStopped?.(r.node, performance.now() - startMs))),
      );
      await Promise.all(this.#running.map((r) => r.exited));
      clearTimeout(timer);
    })();
    return this.#stop;
  }

  /** SIGKILL every agent still running, now (synchronous: usable in an `exit` handler). */
  kill(): void {
    for (const r of this.#running) if (isRunning(r.child)) r.child.kill('SIGKILL');
  }

  get stopping(): boolean {
    return this.#stop !== undefined;
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function nodeArgs(name: string, index: number, profile: Profile, logLevel: string, http: string) {
  return [
    BIN,
    'agent',
    '--name',
    name,
    '--bind',
    '127.0.0.1:0',
    '--http',
    http,
    '--profile',
    profile,
    '--tag',
    'role=demo',
    '--tag',
    `zone=${index % 2 === 1 ? 'a' : 'b'}`,
    '--log-level',
    logLevel,
  ];
}

/** Spawn one agent and resolve once its `listening` line names its addresses. */
function spawnNode(
  name: string,
  args: readonly string[],
  onLog: (node: string, line: string) => void,
  children: ChildProcess[],
): Promise<Running> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  spawned.add(child);
  children.push(child);
  child.on('exit', () => spawned.delete(child));
  let resolveExited!: () => void;
  const exited = new Promise<void>((r) => {
    resolveExited = r;
  });
  child.on('exit', () => resolveExited());
  const partial: { stderrTail: string } = { stderrTail: '' };
  let lineBuffer = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    partial.stderrTail = (partial.stderrTail + text).slice(-STDERR_TAIL_CHARS_MAX);
    lineBuffer += text;
    const lines = lineBuffer.split('\n');
    lineBuffer = lines.pop()!;
    for (const line of lines) if (line !== '') onLog(name, line);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      stdout += text;
      const nl = stdout.indexOf('\n');
      if (nl < 0 || child.pid === undefined) return;
      const line = JSON.parse(stdout.slice(0, nl)) as Record<string, string>;
      const running: Running = {
        node: { name, pid: child.pid, advertise: line.advertise!, http: line.http! },
        child,
        exited,
        get stderrTail() {
          return partial.stderrTail;
        },
      };
      resolve(running);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      reject(
        new Error(
          `${name} exited (${signal ?? `code ${code}`}) before listening: ${partial.stderrTail.trim()}`,
        ),
      );
    });
  });
}

/**
 * Start the cluster and resolve once node-1 lists every node alive. On failure every
 * agent started is killed before the promise rejects.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const count = options.nodes ?? NODES_DEFAULT;
  if (!Number.isInteger(count) || count < 1 || count > NODES_MAX) {
    throw new Error(`nodes must be an integer in [1, ${NODES_MAX}], got ${count}`);
  }
  const profile = options.profile ?? 'local';
  const logLevel = options.logLevel ?? 'warn';
  const onLog = options.onLog ?? (() => {});
  // Recorded at spawn, not at listening: a failure must also stop agents still starting.
  const children: ChildProcess[] = [];
  const deadline = AbortSignal.timeout(READY_DEADLINE_MS);
  try {
    const seedHttp = `127.0.0.1:${options.dashboardPort ?? 0}`;
    const seed = await spawnNode(
      'node-1',
      nodeArgs('node-1', 1, profile, logLevel, seedHttp),
      onLog,
      children,
    );
    options.signal?.throwIfAborted();
    const others = await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => {
        const name = `node-${i + 2}`;
        const args = nodeArgs(name, i + 2, profile, logLevel, '127.0.0.1:0');
        return spawnNode(name, [...args, '--join', seed.node.advertise], onLog, children);
      }),
    );
    const all = [seed, ...others];
    const waitUntil = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    await waitAllAlive(all, parseHostPort('http', seed.node.http, false), waitUntil);
    const cluster = new LocalCluster(all);
    for (const r of all) {
      r.child.on('exit', (code, signal) => {
        if (!cluster.stopping) options.onExit?.(r.node.name, code, signal);
      });
    }
    return cluster;
  } catch (err) {
    for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
    throw err;
  }
}

async function waitAllAlive(all: readonly Running[], http: HostPort, deadline: AbortSignal) {
  const names = all.map((r) => r.node.name);
  let last = 'no answer yet';
  for (;;) {
    const dead = all.find((r) => !isRunning(r.child));
    if (dead !== undefined) {
      throw new Error(
        `${dead.node.name} exited while the cluster formed: ${dead.stderrTail.trim()}`,
      );
    }
    try {
      const members = await fetchMembers(http);
      const alive = members.filter((m) => m.state === 'alive').map((m) => m.name);
      if (names.every((n) => alive.includes(n))) return;
      last = `alive: ${alive.join(', ') || 'none'}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (deadline.aborted) {
      if ((deadline.reason as Error | undefined)?.name !== 'TimeoutError') {
        throw new Error('start abandoned', { cause: deadline.reason });
      }
      throw new Error(
        `node-1 did not list all ${names.length} nodes alive within ${READY_DEADLINE_MS} ms (${last})`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const USAGE = `usage: npm start [-- --nodes N] [--profile lan|wan|local] [--dashboard-port PORT]
                 [--log-level trace|debug|info|warn|error] [--json]

Starts a local cluster of N hearsay agents (default ${NODES_DEFAULT}) on 127.0.0.1 and prints
the dashboard's address. Ctrl-C stops it; every agent leaves gracefully.`;

function describe(cluster: LocalCluster, startMs: number): string {
  const rows = [
    ['NAME', 'GOSSIP', 'HTTP API', 'PID'],
    ...cluster.nodes.map((n, i) => [
      n.name,
      n.advertise,
      n.http,
      `${n.pid}${i === 0 ? '  (seed)' : ''}`,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows
    .map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`.trimEnd())
    .join('\n');
  const last = cluster.nodes[cluster.nodes.length - 1]!;
  const seconds = ((performance.now() - startMs) / 1000).toFixed(1);
  return [
    `hearsay: ${cluster.nodes.length} agents up, all alive, in ${seconds} s`,
    '',
    table,
    '',
    `  Dashboard: ${cluster.dashboardUrl}`,
    '',
    `  Try:  npx hearsay members --http ${cluster.nodes[0]!.http}`,
    `        kill -9 ${last.pid}    # ${last.name} dies; watch it turn failed in the dashboard`,
    '  Ctrl-C stops the cluster; every agent leaves gracefully.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (err) {
    process.stderr.write(`hearsay: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const startMs = performance.now();
  const say = (text: string) => {
    if (!values.json) process.stdout.write(`${text}\n`);
  };
  say(`hearsay: starting ${values.nodes} agents on 127.0.0.1 (profile ${values.profile})…`);
  // Whatever way this process ends short of SIGKILL, no agent outlives it.
  process.on('exit', killSpawned);

  // Signals are caught from the start: the agents are detached, so a Ctrl-C while they
  // start must stop them here or they would run on.
  let running: LocalCluster | undefined;
  let firstSignalMs: number | undefined;
  const starting = new AbortController();
  const { promise: done, resolve: finish } = Promise.withResolvers<number>();
  const onSignal = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (firstSignalMs === undefined) {
      firstSignalMs = now;
      if (running === undefined) {
        say(`\nhearsay: ${signal} while starting: killing the agents`);
        starting.abort();
        killSpawned();
        finish(130);
        return;
      }
      say(
        `\nhearsay: ${signal}: stopping; the agents leave gracefully (Ctrl-C again to kill them)…`,
      );
      void running
        .stop(STOP_DEADLINE_MS, (node, afterMs) =>
          say(`  ${node.name} stopped (${(afterMs / 1000).toFixed(1)} s)`),
        )
        .then(() => {
          say('hearsay: stopped.');
          finish(0);
        });
    } else if (now - firstSignalMs >= FORCE_AFTER_MS) {
      say('hearsay: killing the agents');
      killSpawned();
      finish(130);
    }
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster({
      nodes: values.nodes,
      profile: values.profile,
      logLevel: values.logLevel,
      dashboardPort: values.dashboardPort,
      signal: starting.signal,
      onLog: (node, line) => process.stderr.write(`[${node}] ${line}\n`),
      onExit: (node, code, signal) =>
        process.stderr.write(
          `hearsay: ${node} exited (${signal ?? `code ${code}`}); the others carry on\n`,
        ),
    });
  } catch (err) {
    if (firstSignalMs !== undefined) return done;
    process.stderr.write(`hearsay: could not start the cluster: ${(err as Error).message}\n`);
    return 1;
  }
  if (firstSignalMs !== undefined) {
    // The signal came as the cluster became ready.
    killSpawned();
    return done;
  }
  running = cluster;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ event: 'ready', dashboard: cluster.dashboardUrl, nodes: cluster.nodes })}\n`,
    );
  } else {
    say(describe(cluster, startMs));
  }
  return done;
}

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      nodes: { type: 'string', default: String(NODES_DEFAULT) },
      profile: { type: 'string', default: 'local' },
      'dashboard-port': { type: 'string', default: '0' },
      'log-level': { type: 'string', default: 'warn' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX) {
    throw new Error(`--nodes must be an integer in [1, ${NODES_MAX}], got "${values.nodes}"`);
  }
  const profile = values.profile as Profile;
  if (!PROFILES.includes(profile)) {
    throw new Error(`--profile must be one of ${PROFILES.join(', ')}, got "${values.profile}"`);
  }
  const dashboardPort = Number(values['dashboard-port']);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65_535) {
    throw new Error(
      `--dashboard-port must be an integer in [0, 65535], got "${values['dashboard-port']}"`,
    );
  }
  return {
    nodes,
    profile,
    dashboardPort,
    logLevel: values['log-level'],
    json: values.json,
    help: values.help,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
