/**
 * A `hearsay agent` process in a cluster of real HashiCorp Serf agents (Debian's `serf`,
 * through test/support/serf), all on 127.0.0.1 with the local profile:
 *
 *   - the hearsay agent joins a Serf agent; a second Serf agent joins through the hearsay
 *     agent (so hearsay answers Serf's push/pull too); everyone lists all three alive with
 *     their tags — Serf through `serf members`, hearsay through `GET /v1/members`;
 *   - the hearsay agent leaves on SIGTERM: the Serf agents list it `left`, not `failed`;
 *   - with `-encrypt`, a hearsay agent given the same key joins.
 *
 * Skips with the reason when `serf` is missing and cannot be installed.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ensureSerf, type SerfAgent, startSerfAgent, waitFor } from '../support/serf/index.ts';
import { killStarted, startAgent, stateOf, waitMembers } from './agent-process.ts';

const serf = ensureSerf();
const skip = serf.ok ? false : `skipped: ${serf.reason}`;
const DEADLINE_MS = 20_000;
const KEY = Buffer.alloc(32, 9).toString('base64');

const serfAgents: SerfAgent[] = [];
after(async () => {
  killStarted();
  await Promise.all(serfAgents.map((a) => a.stop()));
});

async function serfAgent(...args: Parameters<typeof startSerfAgent>): Promise<SerfAgent> {
  const agent = await startSerfAgent(...args);
  serfAgents.push(agent);
  return agent;
}

async function serfSees(agent: SerfAgent, name: string, status: string): Promise<void> {
  await waitFor(
    async () => (await agent.members()).find((m) => m.name === name && m.status === status),
    { deadlineMs: DEADLINE_MS, what: `${agent.name} lists ${name} ${status}` },
  );
}

describe('hearsay agent with Serf agents', { skip }, () => {
  it('joins a Serf cluster, is joined through, tags both ways, SIGTERM reads left', async () => {
    const s1 = await serfAgent({ name: 'serf-1', profile: 'local', tags: { role: 'serf' } });
    const h = await startAgent('hearsay-1', ['--tag', 'role=hearsay', '--join', s1.bindAddr]);
    const s2 = await serfAgent({
      name: 'serf-2',
      profile: 'local',
      tags: { role: 'serf', n: '2' },
      join: [h.advertise],
    });
    const names = ['hearsay-1', 'serf-1', 'serf-2'];
    const members = await waitMembers(
      h,
      (ms) => names.every((n) => stateOf(ms, n) === 'alive'),
      DEADLINE_MS,
      'all three alive',
    );
    assert.deepEqual(
      members.map((m) => [m.name, m.tags]),
      [
        ['hearsay-1', { role: 'hearsay' }],
        ['serf-1', { role: 'serf' }],
        ['serf-2', { role: 'serf', n: '2' }],
      ],
    );
    for (const s of [s1, s2]) {
      await serfSees(s, 'hearsay-1', 'alive');
      const seen = (await s.members()).find((m) => m.name === 'hearsay-1')!;
      assert.deepEqual(seen.tags, { role: 'hearsay' });
      assert.equal(`${seen.addr}:${seen.port}`, h.advertise);
    }

    h.child.kill('SIGTERM');
    assert.equal(await h.exited, 0, h.stderr());
    for (const s of [s1, s2]) await serfSees(s, 'hearsay-1', 'left');
  });

  it('-encrypt: a hearsay agent with the same key joins', async () => {
    const s = await serfAgent({ name: 'serf-enc', profile: 'local', encryptKey: KEY });
    const h = await startAgent('hearsay-enc', ['--encrypt', KEY, '--join', s.bindAddr]);
    await waitMembers(
      h,
      (ms) => stateOf(ms, 'serf-enc') === 'alive',
      DEADLINE_MS,
      'serf-enc alive',
    );
    await serfSees(s, 'hearsay-enc', 'alive');
  });
});
