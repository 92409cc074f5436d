/**
 * Last-resort cleanup of the processes and temporary folders the harness created.
 *
 * Normal teardown is the caller's `stop()` in a `finally` (or a test's `after`). This
 * registry covers what escapes it: a test file that throws before its `finally`, a runner
 * that exits early, Ctrl-C. On the `exit` event, and on SIGINT/SIGTERM/SIGHUP (after which
 * the signal is re-raised so the process still dies of it), every tracked PID is SIGKILLed
 * and every tracked folder removed, synchronously. Only PIDs registered here — processes this
 * harness spawned — are ever signalled.
 */

import { rmSync } from 'node:fs';

const livePids = new Set<number>();
const liveDirs = new Set<string>();
let installed = false;

function killAllNow(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  livePids.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  process.removeListener(signal, onSignal);
  // Someone else also handles it: leave the decision to exit to them.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

export function trackPid(pid: number): void {
  install();
  livePids.add(pid);
}

export function untrackPid(pid: number): void {
  livePids.delete(pid);
}

export function trackDir(dir: string): void {
  install();
  liveDirs.add(dir);
}

export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}
