/**
 * The agent's data directory: created if missing (mode 0700: it says who the node knows),
 * and locked for one agent at a time. Two agents writing one snapshot would each restore
 * the other's clocks and members — a confusing failure far from its cause — so the second
 * one refuses to start instead, naming the first one's PID.
 *
 * The lock is `DIR/agent.pid`, created exclusively with our PID and removed at shutdown.
 * A lock left by a process that no longer exists (a crash, SIGKILL) is stale and taken
 * over; whether it exists is asked with signal 0, which signals nothing.
 */

import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'agent.pid';

export class DataDirInUse extends Error {
  constructor(dir: string, pid: number) {
    super(`the data dir ${dir} is in use by another agent (PID ${pid}); give each agent its own`);
    this.name = 'DataDirInUse';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is someone else's.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Create and lock `dir`; resolves with the unlock function. Throws `DataDirInUse`. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new DataDirInUse(dir, pid);
    }
    // Stale (or unreadable): take it over.
    await rm(path, { force: true });
  }
  throw new Error(`cannot lock the data dir ${dir}: ${LOCK_FILE} keeps reappearing`);
}
