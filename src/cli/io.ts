/**
 * The CLI's window on the process: two text writers, whether stderr is a terminal, and a
 * monotonic clock. Commands take a `CliIo` instead of touching `process` so tests can run
 * the real command in-process and read what it printed.
 */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The progress bar is drawn only on an interactive terminal (not into logs or pipes). */
  readonly stderrIsTTY: boolean;
  /** Terminal width, for sizing the progress bar. */
  readonly stderrColumns: number;
  /** Monotonic milliseconds, for throttling redraws. */
  nowMs(): number;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    stderrIsTTY: process.stderr.isTTY === true,
    // 0 under some pseudo-terminals (script(1)) as well as undefined on pipes.
    stderrColumns: process.stderr.columns || 80,
    nowMs: () => performance.now(),
  };
}

/** An io that records everything, never a TTY: for tests and for embedding. */
export function memoryIo(): CliIo & { readonly out: string[]; readonly err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => {
      out.push(text);
    },
    stderr: (text) => {
      err.push(text);
    },
    stderrIsTTY: false,
    stderrColumns: 80,
    nowMs: () => performance.now(),
  };
}
