/**
 * hearsay agents in a cluster of three real HashiCorp Serf agents (Debian's `serf`, driven
 * through test/support/serf), all on 127.0.0.1 with the local timing profile, every check
 * against a deadline:
 *
 *   - three hearsay agents join (through different Serf agents); `serf members` on every Serf
 *     agent lists them alive with their tags; the hearsay agents list the Serf agents alive
 *     with theirs;
 *   - a hearsay process killed with SIGKILL is reported failed by every Serf agent;
 *   - a Serf agent killed with SIGKILL is reported failed by hearsay;
 *   - a graceful leave on either side is seen as left on the other;
 *   - with `-encrypt KEY` on the Serf side and the same key in hearsay the cluster forms; with
 *     a wrong key the join fails with a clear error and nothing crashes.
 *
 * Skips with the reason only when `serf` is missing and cannot be installed.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  killStarted,
  spawnAgent,
  startAgent,
  stateOf,
  waitMembers,
} from '../agent/agent-process.ts';
import { ensureSerf, type SerfCluster, startSerfCluster, waitFor } from '../support/serf/index.ts';

const serf = ensureSerf();
const skip = serf.ok ? false : `skipped: ${serf.reason}`;
/** Local profile: suspicion 3 s … 18 s, so a failure is certain well within this. */
const FAILURE_DEADLINE_MS = 40_000;
/**
 * Joins: memberlist gossips each alive message only RetransmitMult × ⌈log10(n+1)⌉ times (2
 * here, on both sides), to random members, so one agent can miss it and learn of the joiner
 * only from its next push/pull: 15 s in the local profile, started at a random offset. Seen
 * once in CI with a 20 s deadline; 40 s covers a push/pull with room to spare.
 */
const DEADLINE_MS = 40_000;
const KEY = Buffer.alloc(32, 7).toString('base64');
const WRONG_KEY = Buffer.alloc(32, 8).toString('base64');

const clusters: SerfCluster[] = [];
after(async () => {
  killStarted();
  await Promise.all(clusters.flatMap((c) => c.agents.map((a) => a.stop())));
});

async function serfCluster(
  prefix: string,
  extra: { encryptKey?: string } = {},
): Promise<SerfCluster> {
  const c = await startSerfCluster(3, {
    namePrefix: prefix,
    profile: 'local',
    tags: (i) => ({ role: 'serf', index: String(i) }),
    ...extra,
  });
  clusters.push(c);
  return c;
}

/** Every Serf agent of `agents` lists `name` with `status` (and, if given, these tags). */
async function serfLists(
  c: SerfCluster,
  agents: readonly number[],
  name: string,
  status: string,
  deadlineMs: number,
  tags?: Record<string, string>,
): Promise<void> {
  for (const i of agents) {
    const a = c.agents[i]!;
    const m = await waitFor(
      async () => (await a.members()).find((x) => x.name === name && x.status === status),
      { deadlineMs, what: `${a.name} lists ${name} ${status}` },
    );
    if (tags) assert.deepEqual(m.tags, tags, `${a.name}'s view of ${name}'s tags`);
  }
}

describe('hearsay agents in a Serf cluster', { skip }, () => {
  // The order matters: a leave intent is gossiped only RetransmitMult × ⌈log10(n+1)⌉ times
  // (2 in the local profile), partly to recently dead members, so each graceful leave is done
  // while the side that must see it has live peers to relay it and push/pull to repair a miss
  // (Serf behaves the same; with only dead peers left, a leave can read failed for good).
  test('join, tags both ways, SIGKILL and graceful leave seen on both sides', async () => {
    const c = await serfCluster('serf');
    const [s0, s1, s2] = c.agents;
    const h1 = await startAgent('hearsay-1', ['--tag', 'role=hearsay', '--join', s0!.bindAddr]);
    const h2 = await startAgent('hearsay-2', [
      '--tag',
      'role=hearsay',
      '--tag',
      'n=2',
      '--join',
      s1!.bindAddr,
    ]);
    const h3 = await startAgent('hearsay-3', ['--tag', 'role=hearsay', '--join', s2!.bindAddr]);

    // Every Serf agent lists the hearsay agents alive, with their tags.
    await serfLists(c, [0, 1, 2], 'hearsay-1', 'alive', DEADLINE_MS, { role: 'hearsay' });
    await serfLists(c, [0, 1, 2], 'hearsay-2', 'alive', DEADLINE_MS, { role: 'hearsay', n: '2' });
    await serfLists(c, [0, 1, 2], 'hearsay-3', 'alive', DEADLINE_MS, { role: 'hearsay' });
    // The hearsay agents list everyone alive, with Serf's tags.
    const all = ['hearsay-1', 'hearsay-2', 'hearsay-3', 'serf-0', 'serf-1', 'serf-2'];
    for (const h of [h1, h2, h3]) {
      const ms = await waitMembers(
        h,
        (list) => all.every((n) => stateOf(list, n) === 'alive'),
        DEADLINE_MS,
        'all six alive',
      );
      for (let i = 0; i < 3; i++) {
        const m = ms.find((x) => x.name === `serf-${i}`)!;
        assert.deepEqual(m.tags, { role: 'serf', index: String(i) });
        assert.equal(`${m.addr}:${m.port}`, c.agents[i]!.bindAddr);
      }
    }

    // A graceful hearsay leave (SIGTERM): every Serf agent lists it left (not failed).
    h1.child.kill('SIGTERM');
    assert.equal(await h1.exited, 0, h1.stderr());
    await serfLists(c, [0, 1, 2], 'hearsay-1', 'left', FAILURE_DEADLINE_MS);

    // A hearsay process killed with SIGKILL: every Serf agent reports it failed.
    h2.child.kill('SIGKILL');
    await serfLists(c, [0, 1, 2], 'hearsay-2', 'failed', FAILURE_DEADLINE_MS);
    await waitMembers(
      h3,
      (list) => stateOf(list, 'hearsay-2') === 'failed',
      FAILURE_DEADLINE_MS,
      'hearsay-2 failed',
    );

    // A graceful Serf leave: hearsay lists it left (not failed); serf-0 relays the intent and
    // its push/pull (every 15 s in the local profile) repairs a miss.
    await s1!.leave();
    await waitMembers(
      h3,
      (list) => stateOf(list, 'serf-1') === 'left',
      FAILURE_DEADLINE_MS,
      'serf-1 left',
    );

    // A Serf agent killed with SIGKILL: hearsay reports it failed.
    s2!.kill('SIGKILL');
    await waitMembers(
      h3,
      (list) => stateOf(list, 'serf-2') === 'failed',
      FAILURE_DEADLINE_MS,
      'serf-2 failed',
    );
    assert.ok(s0!.running, 'serf-0 still running');
    // Stop this cluster now: a surviving Serf agent keeps trying to reconnect to its failed
    // members' ports, which the next test's agents may be given by the OS.
    h3.child.kill('SIGTERM');
    await h3.exited;
    await c.stop();
  });

  test('-encrypt: the same key forms the cluster; a wrong key fails the join clearly', async () => {
    const c = await serfCluster('enc', { encryptKey: KEY });
    const h = await startAgent('hearsay-enc', ['--encrypt', KEY, '--join', c.agents[2]!.bindAddr]);
    await serfLists(c, [0, 1, 2], 'hearsay-enc', 'alive', DEADLINE_MS);
    await waitMembers(
      h,
      (list) => ['enc-0', 'enc-1', 'enc-2'].every((n) => stateOf(list, n) === 'alive'),
      DEADLINE_MS,
      'the three Serf agents alive',
    );

    // Wrong key: the agent exits 1 with one line that names the seed and the key.
    const wrong = spawnAgent('hearsay-wrong', ['--encrypt', WRONG_KEY, '--join', c.seed.bindAddr]);
    let stderr = '';
    wrong.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => wrong.on('exit', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(c.seed.bindAddr.replace(/\./g, '\\.')));
    assert.match(stderr, /key/i);
    // Nothing crashed: the Serf agents and the first hearsay agent still run and agree.
    for (const a of c.agents) assert.ok(a.running, `${a.name} still running`);
    const ms = await waitMembers(
      h,
      (list) => list.every((m) => m.state === 'alive'),
      DEADLINE_MS,
      'everyone still alive',
    );
    assert.equal(stateOf(ms, 'hearsay-wrong'), undefined);
    for (const a of c.agents) {
      const names = (await a.members()).map((m) => m.name);
      assert.ok(!names.includes('hearsay-wrong'), `${a.name} never saw hearsay-wrong`);
    }
  });
});
