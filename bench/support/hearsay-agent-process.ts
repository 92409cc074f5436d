/**
 * One `hearsay agent` process for the benchmarks, and the small HTTP client they talk to it
 * with. Shared by bench/membership/hearsay-cluster.ts (membership against Serf) and
 * bench/agent/hearsay-agents.ts (events against Serf), which start agents the same way.
 *
 * The agent is `node bin/hearsay.js agent ARGS…`; it resolves port 0 itself and says where it
 * listens in the one JSON `listening` line on its stdout (`{"event":"listening","name",
 * "bind","advertise","http"}`), so no port is guessed: `bind` (the address peers join, the
 * advertised one) and `http` are undefined until that line has arrived. stderr keeps a
 * bounded tail for failure reports. The PID is registered with test/support/serf/cleanup.ts,
 * which SIGKILLs it if the benchmark dies before stopping it; `signal` reaches this PID only.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent as HttpAgent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { trackPid, untrackPid } from '../../test/support/serf/cleanup.ts';

export const HEARSAY_BIN_PATH = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));

const STDERR_TAIL_BYTES_MAX = 8_192;
const STDOUT_LINE_BYTES_MAX = 4_096;
/** Largest HTTP answer body kept (an error message, `{joined}`, `{ltime}`). */
const ANSWER_BYTES_MAX = 64 * 1024;

export class HearsayAgentProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The gossip address peers join (the agent's advertised address), once listening. */
  bind: string | undefined;
  http: string | undefined;
  stderrTail = '';
  /** How it ended (`code 0, signal null`, `spawn failed`), once it has. */
  exit: string | undefined;
  readonly exited: Promise<void>;
  #stdout = '';

  /** `nodeFlags` go to node itself, before the script (V8 flags for A/B runs). */
  constructor(name: string, args: readonly string[], nodeFlags: readonly string[] = []) {
    this.name = name;
    this.child = spawn(process.execPath, [...nodeFlags, HEARSAY_BIN_PATH, 'agent', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = this.child.pid;
    if (pid !== undefined) trackPid(pid);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        if (pid !== undefined) untrackPid(pid);
        this.exit = `code ${code}, signal ${signal}`;
        resolve();
      });
      this.child.on('error', (err) => {
        this.stderrTail += `[bench: spawn failed] ${err.message}\n`;
        if (this.child.pid === undefined) {
          this.exit = 'spawn failed';
          resolve();
        }
      });
    });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.#onStdout(s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL_BYTES_MAX);
    });
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  #onStdout(text: string): void {
    const lines = (this.#stdout + text).split('\n');
    this.#stdout = (lines.pop() ?? '').slice(-STDOUT_LINE_BYTES_MAX);
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as { event?: string; advertise?: string; http?: string };
        if (e.event === 'listening') {
          this.bind = e.advertise;
          this.http = e.http;
        }
      } catch {
        this.stderrTail += `[bench: non-JSON stdout] ${line}\n`;
      }
    }
  }

  /** Sends `signal` to this agent's PID, unless it has already exited. */
  signal(signal: NodeJS.Signals): void {
    if (this.exit !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // Exited between the check and the kill.
    }
  }
}

/** How long `stopAgentProcesses` waits after SIGTERM (a graceful leave) before SIGKILL. */
export const STOP_GRACE_MS = 5_000;

/** SIGTERM every agent, SIGKILL those still running after `graceMs`; resolves once all exited. */
export async function stopAgentProcesses(
  nodes: readonly HearsayAgentProcess[],
  graceMs = STOP_GRACE_MS,
): Promise<void> {
  for (const n of nodes) n.signal('SIGTERM');
  const timer = setTimeout(() => {
    for (const n of nodes) n.signal('SIGKILL');
  }, graceMs);
  await Promise.all(nodes.map((n) => n.exited));
  clearTimeout(timer);
}

/**
 * One HTTP request to an agent at `address` (`IP:PORT`) over `agent`'s connections, with a
 * JSON body when `body` is given; resolves with the status and (the first 64 KiB of) the
 * answer, rejects on a connection error or after `deadlineMs`.
 */
export function httpCall(
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
          if (text.length < ANSWER_BYTES_MAX) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
