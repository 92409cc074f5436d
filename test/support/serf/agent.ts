/**
 * Real HashiCorp Serf agents as test and benchmark peers.
 *
 * `startSerfAgent` runs `serf agent` on 127.0.0.1 with explicit gossip and RPC ports (Serf
 * needs both up front; ports.ts asks the OS for free ones), one temporary folder per agent
 * as its working directory (callers may put snapshots or event-handler scripts there; it is
 * removed on stop), and its log captured line by line, each line stamped on arrival, in a
 * bounded buffer for diagnostics and as an oracle (memberlist logs suspicions and failures).
 *
 * Readiness is polled with a deadline, never slept for: the agent is ready when its RPC
 * answers and it lists itself alive and, when it was given `-join`, at least one other member
 * (the agent opens RPC before it runs the join, so answering alone does not mean joined;
 * the full member list is the caller's to wait for, as cluster.ts does). If the
 * agent exits while we wait and its log says a port was taken (another process on this
 * shared machine grabbed it between our probe and its bind), it is started again on fresh
 * ports, up to `PORT_RETRIES_MAX` times, unless the caller fixed the ports.
 *
 * Driving it: `members()` uses the `serf` CLI (`serf members -format json`), the reference
 * client; `rpc()` is a kept-open connection (rpc-client.ts) for callers that poll often.
 * `leave()` is `serf leave` (graceful: the others see `left`), `kill()` signals this PID only,
 * `stop()` asks the agent to shut down (SIGTERM: no leave intent, so any survivors mark it
 * failed) and SIGKILLs it after a grace period. Every spawned
 * PID and folder is also registered with cleanup.ts so a failing test leaves nothing behind.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trackDir, trackPid, untrackDir, untrackPid } from './cleanup.ts';
import { freePort, freeTcpUdpPort } from './ports.ts';
import { SerfRpcClient } from './rpc-client.ts';
import { ensureSerf } from './serf-binary.ts';
import { waitFor } from './wait-for.ts';

const execFileAsync = promisify(execFile);

/** Log lines kept per agent; older ones are dropped (a 64-agent hour of INFO logs is ~10k). */
export const LOG_LINES_MAX = 5_000;
/** Starts on fresh ports after a port collision. */
const PORT_RETRIES_MAX = 3;
const READY_DEADLINE_MS_DEFAULT = 20_000;
/** Deadline for one `serf` CLI call. */
const CLI_DEADLINE_MS = 10_000;
/** Graceful leave: LeavePropagateDelay 1 s plus a broadcast timeout of up to 5 s, and slack. */
const LEAVE_DEADLINE_MS_DEFAULT = 20_000;
const STOP_GRACE_MS_DEFAULT = 3_000;

export type SerfProfile = 'lan' | 'wan' | 'local';

export interface SerfAgentOptions {
  readonly name: string;
  /** Gossip address `127.0.0.1:PORT`; default a free port on 127.0.0.1. */
  readonly bind?: string;
  /** RPC address; default a free port on 127.0.0.1. */
  readonly rpcAddr?: string;
  /** Gossip addresses to join at start (`-join`); the agent exits if none answers. */
  readonly join?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  /** Base64 gossip encryption key (`serf keygen`: 32 bytes, AES-256). */
  readonly encryptKey?: string;
  readonly profile?: SerfProfile;
  readonly extraArgs?: readonly string[];
  /** Default true. False returns right after the spawn (call `waitReady` yourself). */
  readonly waitReady?: boolean;
  readonly readyDeadlineMs?: number;
}

export interface SerfMember {
  readonly name: string;
  /** The IP alone; the port is in `port`. */
  readonly addr: string;
  readonly port: number;
  readonly tags: Record<string, string>;
  /** "alive", "leaving", "left", "failed". */
  readonly status: string;
}

export interface LogLine {
  /** `performance.now()` when the line arrived. */
  readonly atMs: number;
  readonly text: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type LogListener = (line: LogLine) => void;

export class SerfAgent {
  readonly name: string;
  readonly bindAddr: string;
  readonly rpcAddr: string;
  readonly dir: string;
  readonly args: readonly string[];
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  readonly #serfPath: string;
  readonly #child: ChildProcess;
  readonly #lines: LogLine[] = [];
  readonly #listeners = new Set<LogListener>();
  #exit: ExitInfo | undefined;
  #rpc: Promise<SerfRpcClient> | undefined;
  #partial = '';
  readonly #joins: boolean;

  constructor(serfPath: string, name: string, bindAddr: string, rpcAddr: string, args: string[]) {
    this.#serfPath = serfPath;
    this.name = name;
    this.bindAddr = bindAddr;
    this.rpcAddr = rpcAddr;
    this.args = args;
    this.#joins = args.some((a) => a.startsWith('-join='));
    this.dir = mkdtempSync(join(tmpdir(), `hearsay-serf-${name.replace(/[^\w.-]/g, '_')}-`));
    trackDir(this.dir);
    this.#child = spawn(serfPath, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.#child.on('error', (err) => {
        // A spawn that fails emits 'error' and never 'exit'.
        if (this.#child.pid !== undefined) return;
        this.#onText(`[harness: spawn failed] ${err.message}\n`);
        this.#exit = { code: null, signal: null };
        resolve(this.#exit);
      });
      this.#child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        if (this.#child.pid !== undefined) untrackPid(this.#child.pid);
      });
      // 'close' follows 'exit' once stdout and stderr are drained: the log is then complete
      // (a port collision is diagnosed from the last lines).
      this.#child.on('close', (code, signal) => resolve(this.#exit ?? { code, signal }));
    });
    this.pid = this.#child.pid ?? -1;
    if (this.pid > 0) trackPid(this.pid);
    this.#child.stdout!.setEncoding('utf8').on('data', (s: string) => this.#onText(s));
    this.#child.stderr!.setEncoding('utf8').on('data', (s: string) => this.#onText(s));
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  logLines(): readonly LogLine[] {
    return this.#lines;
  }

  /** One line on where it runs and whether it still does, then the last `logLines` of its log. */
  describe(logLines = 8): string {
    const state = this.running ? 'running' : `exited ${JSON.stringify(this.exitInfo)}`;
    return `${this.name} (${this.bindAddr}, pid ${this.pid}) ${state}\n${this.logText(logLines)}`;
  }

  /** The captured log, for an assertion message: `assert.ok(x, agent.logText())`. */
  logText(lastLines = 80): string {
    const shown = this.#lines.slice(-lastLines).map((l) => l.text);
    return `--- serf agent ${this.name} (pid ${this.pid}) log, last ${shown.length} lines ---\n${shown.join('\n')}`;
  }

  /** Call `listener` for every future log line; returns the unsubscribe function. */
  onLog(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Wait until the agent's RPC answers and it lists itself alive (and a peer, if joining). */
  async waitReady(deadlineMs = READY_DEADLINE_MS_DEFAULT): Promise<void> {
    const stopPolling = new AbortController();
    const exitedEarly = this.exited.then((e) => {
      stopPolling.abort();
      throw new Error(
        `serf agent ${this.name} exited before it was ready (code ${e.code}, signal ${e.signal})\n${this.logText()}`,
      );
    });
    const ready = waitFor(
      async () => {
        if (!this.running) return false;
        const members = await this.membersRpc();
        const me = members.find((m) => m.name === this.name);
        const peers = members.filter((m) => m.name !== this.name && m.status === 'alive');
        return me?.status === 'alive' && (!this.#joins || peers.length > 0);
      },
      {
        deadlineMs,
        what: `serf agent ${this.name} (rpc ${this.rpcAddr}) to answer and list itself alive${this.#joins ? ' and a joined peer' : ''}`,
        intervalMs: 25,
        describe: () => this.logText(20),
        signal: stopPolling.signal,
      },
    );
    ready.catch(() => {});
    exitedEarly.catch(() => {});
    await Promise.race([ready, exitedEarly]);
  }

  /** The member list as the `serf members -format json` CLI reports it. */
  async members(): Promise<SerfMember[]> {
    const out = await this.#cli(['members', '-format', 'json']);
    const parsed = JSON.parse(out) as {
      members: {
        name: string;
        addr: string;
        port: number;
        tags: Record<string, string>;
        status: string;
      }[];
    };
    return parsed.members.map((m) => ({
      name: m.name,
      addr: m.addr.slice(0, m.addr.lastIndexOf(':')).replace(/^\[|\]$/g, ''),
      port: m.port,
      tags: m.tags ?? {},
      status: m.status,
    }));
  }

  /** A kept-open RPC connection to this agent, reconnected if it was closed. */
  async rpc(): Promise<SerfRpcClient> {
    const current = this.#rpc;
    if (current !== undefined) {
      const client = await current.catch(() => undefined);
      if (client !== undefined && !client.closed) return client;
    }
    const next = SerfRpcClient.connect(this.rpcAddr);
    this.#rpc = next;
    next.catch(() => {
      if (this.#rpc === next) this.#rpc = undefined;
    });
    return next;
  }

  /** The member list over the kept-open RPC connection (cheap enough to poll). */
  async membersRpc(): Promise<SerfMember[]> {
    return (await this.rpc()).members();
  }

  /** Close the kept-open RPC connection (an idle-traffic measurement should not see it). */
  closeRpc(): void {
    const current = this.#rpc;
    this.#rpc = undefined;
    current?.then((c) => c.close()).catch(() => {});
  }

  /** `serf event NAME PAYLOAD`: a user event gossiped to the cluster. */
  async event(name: string, payload = ''): Promise<void> {
    await this.#cli(['event', name, payload]);
  }

  /** `serf leave`: graceful leave; resolves once the agent process has exited. */
  async leave(deadlineMs = LEAVE_DEADLINE_MS_DEFAULT): Promise<void> {
    this.closeRpc();
    await this.#cli(['leave']);
    await this.#waitExit(deadlineMs, 'to exit after `serf leave`');
  }

  /** Send `signal` to this agent's PID (and no other). No-op once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.running || this.pid <= 0) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Exited between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; removes the folder. Never throws. */
  async stop(graceMs = STOP_GRACE_MS_DEFAULT): Promise<void> {
    this.closeRpc();
    if (this.running) {
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }

  async #waitExit(deadlineMs: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `serf agent ${this.name}: deadline of ${deadlineMs} ms passed waiting ${what}\n${this.logText(20)}`,
            ),
          ),
        deadlineMs,
      );
    });
    try {
      await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #cli(args: string[]): Promise<string> {
    const [command, ...rest] = args;
    try {
      const { stdout } = await execFileAsync(
        this.#serfPath,
        [command!, `-rpc-addr=${this.rpcAddr}`, ...rest],
        { timeout: CLI_DEADLINE_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `serf ${args.join(' ')} (agent ${this.name}, rpc ${this.rpcAddr}) failed: ${(e.stderr || e.stdout || e.message).trim()}`,
      );
    }
  }

  #onText(text: string): void {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    const atMs = performance.now();
    for (const raw of parts) {
      const line: LogLine = { atMs, text: raw.trimEnd() };
      this.#lines.push(line);
      if (this.#lines.length > LOG_LINES_MAX) this.#lines.shift();
      for (const listener of this.#listeners) listener(line);
    }
  }
}

function agentArgs(options: SerfAgentOptions, bindAddr: string, rpcAddr: string): string[] {
  const args = ['agent', `-node=${options.name}`, `-bind=${bindAddr}`, `-rpc-addr=${rpcAddr}`];
  for (const seed of options.join ?? []) args.push(`-join=${seed}`);
  for (const [k, v] of Object.entries(options.tags ?? {})) args.push(`-tag`, `${k}=${v}`);
  if (options.encryptKey !== undefined) args.push(`-encrypt=${options.encryptKey}`);
  if (options.profile !== undefined) args.push(`-profile=${options.profile}`);
  args.push(...(options.extraArgs ?? []));
  return args;
}

function portCollision(agent: SerfAgent): boolean {
  return agent.logLines().some((l) => /address already in use/i.test(l.text));
}

/** Start one Serf agent; see the module comment. Throws if serf is not installed. */
export async function startSerfAgent(options: SerfAgentOptions): Promise<SerfAgent> {
  const serf = ensureSerf();
  if (!serf.ok) throw new Error(serf.reason);
  const portsFixed = options.bind !== undefined && options.rpcAddr !== undefined;
  for (let attempt = 0; ; attempt++) {
    const bindAddr = options.bind ?? `127.0.0.1:${await freeTcpUdpPort()}`;
    const rpcAddr = options.rpcAddr ?? `127.0.0.1:${await freePort()}`;
    const agent = new SerfAgent(
      serf.path,
      options.name,
      bindAddr,
      rpcAddr,
      agentArgs(options, bindAddr, rpcAddr),
    );
    if (options.waitReady === false) return agent;
    try {
      await agent.waitReady(options.readyDeadlineMs ?? READY_DEADLINE_MS_DEFAULT);
      return agent;
    } catch (err) {
      await agent.stop(0);
      if (portsFixed || attempt >= PORT_RETRIES_MAX || !portCollision(agent)) throw err;
    }
  }
}
