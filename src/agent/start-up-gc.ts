/**
 * One full, compacting garbage collection at the end of the agent's start-up.
 *
 * Why: start-up allocates a lot that dies young (module loading, configuration, the join
 * rehearsal's two throwaway members), and V8 collects the old generation only once it has
 * grown past a limit. Left to itself, that first major collection came a few seconds after
 * start-up, which is where a cluster's first join lands: in a 32-agent join burst each
 * agent's first join took 20-30 ms of marking and compacting more (measured with
 * `--trace-gc`, bench/RESULTS.md "2026-11-22 (stop 13)"). Collected here, nobody waits on it,
 * and the old generation the agent idles with is only what is live.
 *
 * Node exposes no collection to call, so this sets V8's `--expose-gc` and takes `gc` from a
 * fresh context, where V8 installs it (the agent's own global stays as it was). Only
 * `hearsay agent` does this (through the rehearsal, agent-command.ts); a library does not
 * run its host's collector.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = () => void;

let collect: Collect | undefined;

/** Runs a full collection; returns the time it took, ms. */
export function collectStartUpGarbage(): number {
  if (collect === undefined) {
    const own = (globalThis as { gc?: Collect }).gc;
    if (typeof own === 'function') {
      collect = own;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
      setFlagsFromString('--no-expose-gc');
    }
  }
  const startedMs = performance.now();
  collect();
  return performance.now() - startedMs;
}
