/**
 * Real `hearsay agent` processes (bin/hearsay.js under this Node) on 127.0.0.1, port 0 for
 * gossip and HTTP, `--profile local` for fast detection:
 *
 *   - three agents form a cluster: each lists all three alive with their tags, through
 *     `GET /v1/members` and through `hearsay members --json` / the table;
 *   - SIGTERM one: it leaves gracefully and exits 0; the others list it `left`;
 *   - SIGKILL another: the survivor lists it `failed`;
 *   - a join to a port where nothing listens ends with one stderr line and exit 1.
 *
 * Waits are on conditions with deadlines, never sleeps; every process started here is
 * stopped by its PID, on failure too.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { AgentMember } from '../../src/agent/cluster.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { killStarted, spawnAgent, startAgent, stateOf, waitMembers } from './agent-process.ts';

const ALIVE_DEADLINE_MS = 15_000;
const LEFT_DEADLINE_MS = 20_000;
/** Local profile: 1 s probes, suspicion of 3 s growing to 18 s without confirmations. */
const FAILED_DEADLINE_MS = 40_000;

after(killStarted);

describe('hearsay agent processes', () => {
  it('three agents: join, tags, members, SIGTERM → left, SIGKILL → failed', async () => {
    const a = await startAgent('agent-a', ['--tag', 'role=seed']);
    const [b, c] = await Promise.all([
      startAgent('agent-b', ['--tag', 'role=web', '--tag', 'dc=one', '--join', a.advertise]),
      startAgent('agent-c', ['--tag', 'role=web', '--join', a.advertise]),
    ]);
    const all = ['agent-a', 'agent-b', 'agent-c'];
    const allAlive = (ms: AgentMember[]) =>
      all.every((n) => stateOf(ms, n) === 'alive') && ms.length === 3;
    for (const agent of [a, b, c]) {
      const members = await waitMembers(agent, allAlive, ALIVE_DEADLINE_MS, 'three alive');
      assert.deepEqual(
        members.map((m) => [m.name, m.addr, m.tags]),
        [
          ['agent-a', '127.0.0.1', { role: 'seed' }],
          ['agent-b', '127.0.0.1', { role: 'web', dc: 'one' }],
          ['agent-c', '127.0.0.1', { role: 'web' }],
        ],
      );
      assert.equal(`127.0.0.1:${members[0]!.port}`, a.advertise);
    }

    const io = memoryIo();
    assert.equal(await run(['members', '--json', '--http', `127.0.0.1:${b.http.port}`], io), 0);
    const listed = JSON.parse(io.out.join('')) as AgentMember[];
    assert.deepEqual(
      listed.map((m) => [m.name, m.state]),
      all.map((n) => [n, 'alive']),
    );
    const table = memoryIo();
    assert.equal(await run(['members', '--http', `127.0.0.1:${c.http.port}`], table), 0);
    assert.match(
      table.out.join(''),
      /^NAME +ADDRESS +STATE +TAGS\nagent-a +127\.0\.0\.1:\d+ +alive +role=seed\n/,
    );

    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0, `agent-c exits 0 after leaving: ${c.stderr()}`);
    assert.match(c.stderr(), /leaving the cluster/);
    for (const agent of [a, b]) {
      await waitMembers(
        agent,
        (ms) => stateOf(ms, 'agent-c') === 'left',
        LEFT_DEADLINE_MS,
        'agent-c left',
      );
    }
    assert.match(a.stderr(), /\[INFO\] member-leave agent-c/);

    b.child.kill('SIGKILL');
    await b.exited;
    const final = await waitMembers(
      a,
      (ms) => stateOf(ms, 'agent-b') === 'failed',
      FAILED_DEADLINE_MS,
      'agent-b failed',
    );
    assert.equal(stateOf(final, 'agent-c'), 'left', 'a left member stays left');
    assert.equal(stateOf(final, 'agent-a'), 'alive');
    assert.match(a.stderr(), /\[INFO\] member-failed agent-b/);

    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.stderr());
  });

  it('a join where nothing listens: one line on stderr, exit 1', async () => {
    // A port that was just free: bind, read it, close.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));

    const child = spawnAgent('lonely', ['--join', `127.0.0.1:${port}`]);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1, stderr);
    const lines = stderr.split('\n').filter((l) => l.startsWith('hearsay:'));
    assert.equal(lines.length, 1, stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `^hearsay: agent: could not join the cluster at 127\\.0\\.0\\.1:${port}: .*127\\.0\\.0\\.1:${port}`,
      ),
    );
  });
});
