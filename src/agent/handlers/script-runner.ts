/**
 * Runs handler scripts: `/bin/sh -c SCRIPT` with the event in its environment and stdin
 * (serf-env.ts), a bounded number at once, each bounded in time and in the output kept.
 *
 * Order and concurrency: runs start in the order they were queued; at most `concurrency`
 * run at once (1, the default, is Serf's behaviour: one handler at a time, in event order).
 * The queue holds at most `queueMax` runs; beyond it a run is dropped, counted and logged
 * (a flood of events must not become a flood of processes or unbounded memory).
 *
 * Each run gets its own process group (`detached`), so the timeout can stop the script and
 * whatever it started: SIGTERM to the group at `timeoutMs`, SIGKILL `killGraceMs` later.
 *
 * Output: stdout and stderr are kept up to `OUTPUT_BYTES_MAX` each — the last bytes, like
 * Serf's circular buffer (8 KiB) — and logged: at debug when the script succeeded, at warn
 * when it failed (exit code, signal, timeout, or the shell could not be started). A run
 * that exits 0 hands its stdout to `onSuccess` (a query handler's answer, as in Serf). A
 * failing handler never throws into the agent: every outcome ends as a log line and a
 * counter.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import type { AgentLogger } from '../log.ts';

/** Serf keeps the last 8 KiB of a handler's output. */
export const OUTPUT_BYTES_MAX = 8 * 1024;
/** Runs waiting for a slot; more are dropped. */
export const HANDLER_QUEUE_MAX = 1024;
/** Output characters copied into one log record. */
const LOG_OUTPUT_CHARS_MAX = 2048;
const KILL_GRACE_MS_DEFAULT = 2_000;

export interface HandlerRun {
  /** For logs: which handler, for which event (`user:deploy`). */
  readonly handler: string;
  readonly event: string;
  readonly script: string;
  /** Added to the agent's environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Uint8Array;
  /** The script exited 0: its stdout (the last `OUTPUT_BYTES_MAX` bytes). */
  readonly onSuccess?: (stdout: Uint8Array) => void;
}

export interface ScriptRunnerOptions {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly logger: AgentLogger;
  readonly queueMax?: number;
  readonly killGraceMs?: number;
  readonly shell?: string;
  /** The environment every run starts from; default the agent's own. */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
}

export interface ScriptRunnerStats {
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  /** Not run: the queue was full, or the runner was closing. */
  dropped: number;
}

/** Keeps the last `limit` bytes written. */
class TailBuffer {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes - this.#chunks[0]!.length >= this.#limit) {
      this.#bytes -= this.#chunks.shift()!.length;
    }
  }

  bytes(): Uint8Array {
    const all = Buffer.concat(this.#chunks);
    return new Uint8Array(all.subarray(Math.max(0, all.length - this.#limit)));
  }
}

function logText(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8').trimEnd();
  return text.length > LOG_OUTPUT_CHARS_MAX ? `…${text.slice(-LOG_OUTPUT_CHARS_MAX)}` : text;
}

export class ScriptRunner {
  readonly stats: ScriptRunnerStats = {
    started: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    dropped: 0,
  };
  readonly #options: ScriptRunnerOptions;
  readonly #queueMax: number;
  readonly #queue: HandlerRun[] = [];
  readonly #running = new Set<ChildProcess>();
  #active = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ScriptRunnerOptions) {
    this.#options = options;
    this.#queueMax = options.queueMax ?? HANDLER_QUEUE_MAX;
  }

  /** Runs now or later; false when dropped (queue full, or closing). */
  enqueue(run: HandlerRun): boolean {
    if (this.#closed || this.#queue.length >= this.#queueMax) {
      this.stats.dropped++;
      // The first drop, then one line per thousand: a flood must not flood the log too.
      if (this.stats.dropped % 1000 === 1) {
        this.#options.logger.warn(
          { handler: run.handler, event: run.event, dropped: this.stats.dropped },
          this.#closed
            ? 'event handler not run: the agent is stopping'
            : `event handler not run: ${this.#queueMax} runs already waiting`,
        );
      }
      return false;
    }
    this.#queue.push(run);
    this.#pump();
    return true;
  }

  /** Runs waiting plus running. */
  get pending(): number {
    return this.#queue.length + this.#active;
  }

  /** Resolves when nothing is queued or running (tests, and a clean stop). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stop taking runs, drop the queued ones, give running scripts `graceMs` to finish, then
   * kill their process groups. Resolves when every script has exited.
   */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    this.stats.dropped += this.#queue.length;
    this.#queue.length = 0;
    if (this.#active === 0) return;
    const grace = setTimeout(() => {
      for (const child of this.#running) killGroup(child, 'SIGKILL');
    }, graceMs);
    await this.idle();
    clearTimeout(grace);
  }

  #pump(): void {
    while (this.#active < this.#options.concurrency && this.#queue.length > 0) {
      const run = this.#queue.shift()!;
      this.#active++;
      this.#start(run);
    }
    if (this.pending === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #start(run: HandlerRun): void {
    const o = this.#options;
    const log = o.logger;
    const startMs = performance.now();
    const stdout = new TailBuffer(OUTPUT_BYTES_MAX);
    const stderr = new TailBuffer(OUTPUT_BYTES_MAX);
    let timedOut = false;
    let finished = false;
    let child: ChildProcess;
    this.stats.started++;
    const base = { handler: run.handler, event: run.event };
    const finish = (outcome: { code: number | null; signal: string | null; error?: Error }) => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      clearTimeout(kill);
      this.#running.delete(child);
      const durationMs = Math.round(performance.now() - startMs);
      const fields = {
        ...base,
        durationMs,
        exitCode: outcome.code,
        signal: outcome.signal ?? undefined,
        stdout: logText(stdout.bytes()),
        stderr: logText(stderr.bytes()),
        outputTruncated: stdout.total > OUTPUT_BYTES_MAX || undefined,
      };
      if (outcome.error !== undefined) {
        this.stats.failed++;
        log.warn({ ...fields, err: outcome.error }, 'event handler could not be started');
      } else if (timedOut) {
        this.stats.timedOut++;
        log.warn(fields, `event handler timed out after ${o.timeoutMs} ms and was killed`);
      } else if (outcome.code !== 0) {
        this.stats.failed++;
        log.warn(fields, 'event handler failed');
      } else {
        this.stats.succeeded++;
        log.debug(fields, 'event handler finished');
        try {
          run.onSuccess?.(stdout.bytes());
        } catch (err) {
          log.error({ ...base, err }, 'handling an event handler output threw');
        }
      }
      this.#active--;
      this.#pump();
    };
    let timeout: ReturnType<typeof setTimeout> | undefined;
    let kill: ReturnType<typeof setTimeout> | undefined;
    try {
      child = spawn(o.shell ?? '/bin/sh', ['-c', run.script], {
        env: { ...(o.baseEnv ?? process.env), ...run.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      child = undefined as unknown as ChildProcess;
      finish({
        code: null,
        signal: null,
        error: err instanceof Error ? err : new Error(String(err)),
      });
      return;
    }
    this.#running.add(child);
    child.stdout?.on('data', (c: Buffer) => stdout.write(c));
    child.stderr?.on('data', (c: Buffer) => stderr.write(c));
    // A script that does not read its stdin closes the pipe under us: not an error.
    child.stdin?.on('error', () => {});
    child.stdin?.end(run.stdin);
    child.on('error', (error) => finish({ code: null, signal: null, error }));
    child.on('close', (code, signal) => finish({ code, signal }));
    timeout = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      kill = setTimeout(() => killGroup(child, 'SIGKILL'), o.killGraceMs ?? KILL_GRACE_MS_DEFAULT);
    }, o.timeoutMs);
  }
}

/** Signal the run's process group (the shell and what it started); gone already is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group has exited.
  }
}
