/**
 * Finding (and, when allowed, installing) the `serf` executable.
 *
 * Tests that need a real Serf agent call `ensureSerf()`: if `serf` is on PATH it is used;
 * otherwise scripts/install-serf.sh is run once per process (it installs Debian's `serf`
 * package), and if that fails the reason is returned so the test can skip with it. CI runs
 * the script beforehand, so there the install is a no-op.
 */

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_SCRIPT_PATH = fileURLToPath(
  new URL('../../../scripts/install-serf.sh', import.meta.url),
);

/** Longest we wait for apt-get update + install. */
const INSTALL_DEADLINE_MS = 300_000;

export type SerfAvailability =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

/** The absolute path of `serf` on PATH, or undefined. */
export function findSerf(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'serf');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

let cached: SerfAvailability | undefined;

/** `serf` on PATH, installing it with scripts/install-serf.sh if it is missing. */
export function ensureSerf(): SerfAvailability {
  if (cached !== undefined) return cached;
  const found = findSerf();
  if (found !== undefined) {
    cached = { ok: true, path: found };
    return cached;
  }
  const r = spawnSync('bash', [INSTALL_SCRIPT_PATH], {
    encoding: 'utf8',
    timeout: INSTALL_DEADLINE_MS,
  });
  const installed = findSerf();
  if (r.status === 0 && installed !== undefined) {
    cached = { ok: true, path: installed };
  } else {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
    cached = {
      ok: false,
      reason: `serf is not installed and scripts/install-serf.sh failed: ${why}`,
    };
  }
  return cached;
}
