/**
 * Counting the bytes a cluster puts on the wire, without special hardware or privileges
 * beyond what this machine has (root, `unshare`, `ip`).
 *
 * The benchmark re-runs itself inside a fresh network namespace (`unshare --net`) whose
 * only interface is its own loopback. Every process it spawns inherits the namespace, so the
 * loopback's transmit counters in /proc/net/dev (which shows the reading process's
 * namespace) count exactly this cluster's traffic — and no other job on this shared machine.
 * The counters count IP packets whole: a 100-byte UDP payload counts 128 bytes (20 IP + 8
 * UDP headers; loopback adds no link-layer header), TCP segments count their headers and
 * handshakes too. Each packet crosses loopback once, so transmit bytes = bytes on the wire.
 *
 * When the namespace cannot be made (no `unshare`, no permission), the benchmark runs on the
 * host's loopback and reports bytes as not measured: the host's counters mix in everyone
 * else's traffic.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Set in the re-run child: "1" when it runs inside the namespace the parent made. */
export const NETNS_ENV = 'HEARSAY_BENCH_NETNS';

export interface LoopbackCounters {
  readonly txBytes: number;
  readonly txPackets: number;
}

/** Loopback transmit counters of this process's network namespace. */
export function readLoopback(): LoopbackCounters {
  const line = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('lo:'));
  if (line === undefined) throw new Error('/proc/net/dev has no lo line');
  // "lo: rxBytes rxPackets errs drop fifo frame compressed multicast txBytes txPackets …"
  const fields = line.trim().slice(3).trim().split(/\s+/).map(Number);
  return { txBytes: fields[8]!, txPackets: fields[9]! };
}

export type NamespaceOutcome =
  | { readonly kind: 'inside' }
  | { readonly kind: 'relaunched'; readonly exitCode: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * If not already inside, re-run this script (`process.argv`) in a new network namespace and
 * return its exit code; inside, bring the loopback up. `unavailable` says why neither worked.
 */
export function enterPrivateNetwork(): NamespaceOutcome {
  if (process.env[NETNS_ENV] === '1') {
    const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
    if (up.status !== 0) {
      throw new Error(`inside the namespace, ip link set lo up failed: ${up.stderr || up.error}`);
    }
    return { kind: 'inside' };
  }
  const probe = spawnSync('unshare', ['--net', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      kind: 'unavailable',
      reason: `unshare --net failed: ${(probe.stderr || String(probe.error)).trim()}`,
    };
  }
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.status !== 0) return { kind: 'unavailable', reason: 'no `ip` command (iproute2)' };
  const r = spawnSync(
    'unshare',
    ['--net', '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, [NETNS_ENV]: '1' },
    },
  );
  return { kind: 'relaunched', exitCode: r.status ?? 1 };
}
