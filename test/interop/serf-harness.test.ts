/**
 * The Serf harness itself (test/support/serf), against real `serf agent` processes.
 *
 * Before hearsay nodes are tested against Serf, the harness must be shown to observe Serf
 * correctly: a cluster forms with everyone's tags, a SIGKILLed agent is marked `failed`, a
 * graceful leave shows as `left`, a user event arrives, with `-encrypt` the cluster forms
 * while an agent without the key is refused, and a harness process that crashes takes its
 * agents with it. Agents use the LAN profile (the agent default)
 * on 127.0.0.1, ports from the OS; every wait is a condition with a deadline.
 *
 * When `serf` is missing and scripts/install-serf.sh cannot install it, the Serf tests skip
 * with the reason (the waitFor tests still run).
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  ensureSerf,
  type SerfCluster,
  type SerfMember,
  startSerfAgent,
  startSerfCluster,
  WaitTimeoutError,
  waitFor,
} from '../support/serf/index.ts';

const serf = ensureSerf();
const skip = serf.ok ? false : `skipped: ${serf.reason}`;

/** Failure detection at n = 3, LAN: ~1-2 s to a missed probe, 4 s suspicion; generous. */
const FAILED_DEADLINE_MS = 30_000;
const START_DEADLINE_MS = 30_000;

function byName(members: readonly SerfMember[]): Map<string, SerfMember> {
  return new Map(members.map((m) => [m.name, m]));
}

describe('waitFor', () => {
  test('resolves with the first value the condition returns', async () => {
    let calls = 0;
    const v = await waitFor(() => (++calls >= 3 ? { calls } : false), {
      deadlineMs: 5_000,
      what: 'three polls',
      intervalMs: 1,
    });
    assert.deepEqual(v, { calls: 3 });
  });

  test('times out with a message naming what was awaited, the last error and state', async () => {
    await assert.rejects(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { deadlineMs: 30, what: 'the moon to rise', intervalMs: 5, describe: () => 'still dark' },
      ),
      (err: unknown) => {
        assert.ok(err instanceof WaitTimeoutError);
        assert.match(err.message, /waiting for the moon to rise/);
        assert.match(err.message, /last poll threw: connection refused/);
        assert.match(err.message, /last state: still dark/);
        return true;
      },
    );
  });
});

describe('Serf harness: three agents', { skip }, () => {
  let cluster: SerfCluster;
  const tagsOf = (i: number) => ({ role: `role-${i}`, index: String(i) });

  before(async () => {
    cluster = await startSerfCluster(3, {
      namePrefix: 'harness',
      tags: tagsOf,
      profile: 'lan',
      convergeDeadlineMs: START_DEADLINE_MS,
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  test('form a cluster: each lists all three alive, with addresses and tags (serf CLI)', async () => {
    for (const agent of cluster.agents) {
      const seen = byName(await agent.members());
      assert.equal(seen.size, 3, agent.logText());
      for (const [i, peer] of cluster.agents.entries()) {
        const m = seen.get(peer.name);
        assert.ok(m, `${agent.name} does not list ${peer.name}`);
        assert.equal(m.status, 'alive');
        assert.equal(`${m.addr}:${m.port}`, peer.bindAddr);
        assert.deepEqual(m.tags, tagsOf(i));
      }
    }
  });

  test('the RPC client sees the same member list as the CLI', async () => {
    const viaCli = await cluster.seed.members();
    const viaRpc = await cluster.seed.membersRpc();
    const sort = (ms: SerfMember[]) => [...ms].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(sort(viaRpc), sort(viaCli));
  });

  test('a user event sent through one agent reaches the others', async () => {
    const [a, b, c] = cluster.agents;
    await a!.event('harness-deploy', 'v1');
    for (const agent of [b!, c!]) {
      await waitFor(
        () => agent.logLines().some((l) => l.text.includes('user-event: harness-deploy')),
        { deadlineMs: 15_000, what: `${agent.name} to log the user event`, intervalMs: 50 },
      );
    }
  });

  test('SIGKILL one agent: the other two mark it failed', async () => {
    const [a, b, c] = cluster.agents;
    c!.kill('SIGKILL');
    const exit = await c!.exited;
    assert.equal(exit.signal, 'SIGKILL');
    await cluster.waitStatus([a!, b!], c!.name, 'failed', FAILED_DEADLINE_MS);
    assert.ok(a!.running && b!.running, 'the kill reached only its own PID');
  });

  test('graceful leave: the remaining agent lists the leaver as left', async () => {
    const [a, b] = cluster.agents;
    await b!.leave();
    assert.equal(b!.running, false);
    await waitFor(async () => byName(await a!.members()).get(b!.name)?.status === 'left', {
      deadlineMs: FAILED_DEADLINE_MS,
      what: `${a!.name} to list ${b!.name} as left`,
    });
    const seen = byName(await a!.members());
    assert.equal(seen.get(a!.name)?.status, 'alive');
  });
});

/** True while `pid` names a process that has not exited (a zombie counts as exited). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('Serf harness: cleanup', { skip }, () => {
  test('a process that dies of an uncaught error takes its agents and folders with it', async () => {
    const agentUrl = new URL('../support/serf/agent.ts', import.meta.url).href;
    // The child starts an agent, reports its PID and folder, then crashes without stop().
    const script = `
      const { startSerfAgent } = await import(${JSON.stringify(agentUrl)});
      const a = await startSerfAgent({ name: 'orphan-candidate' });
      console.log(JSON.stringify({ pid: a.pid, dir: a.dir }));
      setTimeout(() => { throw new Error('simulated test crash'); }, 10);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.notEqual(code, 0, 'the child was meant to crash');
    assert.match(err, /simulated test crash/);
    const { pid, dir } = JSON.parse(out.trim().split('\n')[0]!) as { pid: number; dir: string };
    assert.ok(pid > 0);
    await waitFor(() => !alive(pid), {
      deadlineMs: 10_000,
      what: `serf agent pid ${pid} to be gone after its harness process crashed`,
    });
    assert.equal(existsSync(dir), false, `${dir} was left behind`);
  });
});

describe('Serf harness: encrypted cluster', { skip }, () => {
  const key = randomBytes(32).toString('base64');
  let cluster: SerfCluster;

  before(async () => {
    cluster = await startSerfCluster(3, {
      namePrefix: 'secret',
      encryptKey: key,
      convergeDeadlineMs: START_DEADLINE_MS,
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  test('with -encrypt KEY on all three the cluster forms', async () => {
    for (const agent of cluster.agents) {
      const members = await agent.members();
      assert.equal(members.length, 3);
      assert.ok(members.every((m) => m.status === 'alive'));
      const stats = await (await agent.rpc()).stats();
      assert.equal(stats.serf?.encrypted, 'true');
    }
  });

  test('an agent without the key cannot join it', async () => {
    await assert.rejects(
      startSerfAgent({ name: 'outsider', join: [cluster.seed.bindAddr], readyDeadlineMs: 20_000 }),
      /exited before it was ready[\s\S]*encrypt/,
    );
    for (const agent of cluster.agents) {
      assert.ok(!(await agent.membersRpc()).some((m) => m.name === 'outsider'));
    }
  });
});
