/**
 * The agent's cluster over the real stack (memberlist host + SerfNode) in-process, on
 * 127.0.0.1 port 0 with the local profile: join through the advertised address, member
 * events and snapshots in the agent's terms (tags, states), a graceful leave seen as `left`,
 * encryption (a shared key joins; a different key or none fails the join with a reason),
 * and commands after shutdown. Waits are conditions with deadlines.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentCluster, MemberEvent } from '../../src/agent/cluster.ts';
import type { RawAgentSettings } from '../../src/agent/config.ts';
import { until } from '../net/until.ts';
import { realMember } from './real-member.ts';

const DEADLINE_MS = 10_000;
const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

const open: AgentCluster[] = [];
after(async () => {
  await Promise.all(open.map((c) => c.shutdown()));
});

async function member(name: string, raw: RawAgentSettings = {}) {
  const { cluster, log } = await realMember(name, raw, open);
  const events: MemberEvent[] = [];
  cluster.onMemberEvent((e) => events.push(e));
  return { cluster, events, log };
}

const stateIn = (c: AgentCluster, name: string) => c.members().find((m) => m.name === name)?.state;

describe('memberlist cluster (agent over memberlist + Serf)', () => {
  it('binds, advertises the bound address, and lists itself alive with its tags', async () => {
    const { cluster } = await member('solo', { tag: ['role=db', 'zone=z1'] });
    assert.equal(cluster.bound.host, '127.0.0.1');
    assert.ok(cluster.bound.port > 0);
    assert.deepEqual(cluster.advertise, cluster.bound);
    assert.deepEqual(cluster.local(), {
      name: 'solo',
      addr: '127.0.0.1',
      port: cluster.bound.port,
      tags: { role: 'db', zone: 'z1' },
      state: 'alive',
    });
    assert.deepEqual(cluster.members(), [cluster.local()]);
    await cluster.shutdown();
    await cluster.shutdown();
    await assert.rejects(cluster.join([{ host: '127.0.0.1', port: 1 }]), /shut down/);
  });

  it('two members join, see each other with tags, and a graceful leave reads left', async () => {
    const a = await member('m-a', { tag: 'role=seed' });
    const b = await member('m-b', { tag: 'role=web' });
    assert.equal(await b.cluster.join([a.cluster.advertise]), 1);
    await until(() => stateIn(a.cluster, 'm-b') === 'alive', DEADLINE_MS, 'a sees b alive');
    await until(() => stateIn(b.cluster, 'm-a') === 'alive', DEADLINE_MS, 'b sees a alive');
    assert.deepEqual(
      a.cluster.members().find((m) => m.name === 'm-b'),
      {
        name: 'm-b',
        addr: '127.0.0.1',
        port: b.cluster.bound.port,
        tags: { role: 'web' },
        state: 'alive',
      },
    );
    const joinEvent = a.events.find((e) => e.type === 'member-join' && e.member.name === 'm-b');
    assert.ok(joinEvent, 'a got member-join for b');
    assert.deepEqual(joinEvent.member.tags, { role: 'web' });

    await b.cluster.leave(AbortSignal.timeout(DEADLINE_MS));
    await b.cluster.shutdown();
    await until(() => stateIn(a.cluster, 'm-b') === 'left', DEADLINE_MS, 'a sees b left');
    assert.ok(a.events.some((e) => e.type === 'member-leave' && e.member.name === 'm-b'));
    assert.ok(!a.events.some((e) => e.type === 'member-failed'), 'a leave is never a failure');
  });

  it('encryption: a shared key joins; another key, or none, fails the join with a reason', async () => {
    const a = await member('k-a', { encrypt: KEY_A });
    const b = await member('k-b', { encrypt: KEY_A });
    assert.equal(await b.cluster.join([a.cluster.advertise]), 1);
    await until(() => stateIn(a.cluster, 'k-b') === 'alive', DEADLINE_MS, 'a sees b alive');

    const wrongKey = await member('k-c', { encrypt: KEY_B });
    await assert.rejects(wrongKey.cluster.join([a.cluster.advertise]), (e: Error) => {
      assert.equal(e.name, 'JoinError');
      assert.match(e.message, /key/);
      return true;
    });
    const plaintext = await member('k-d');
    await assert.rejects(plaintext.cluster.join([a.cluster.advertise]), /JoinError|join failed/);
    assert.equal(stateIn(a.cluster, 'k-c'), undefined, 'the wrong key never became a member');
    assert.equal(stateIn(a.cluster, 'k-d'), undefined);
  });

  it('a crashed member: the failed probes and the suspicion that ran out are logged', async () => {
    const a = await member('c-a');
    const b = await member('c-b');
    const c = await member('c-c');
    assert.equal(await b.cluster.join([a.cluster.advertise]), 1);
    assert.equal(await c.cluster.join([a.cluster.advertise]), 1);
    for (const x of [a, b]) {
      await until(() => x.cluster.members().length === 3, DEADLINE_MS, 'all three alive');
    }
    // No leave: the others only find out by probing.
    await c.cluster.shutdown();
    const failedEverywhere = () => [a, b].every((x) => stateIn(x.cluster, 'c-c') === 'failed');
    await until(failedEverywhere, 3 * DEADLINE_MS, 'a and b mark c failed');

    const entries = [...a.log, ...b.log].map((l) => JSON.parse(l) as Record<string, unknown>);
    const about = (event: string) => entries.filter((e) => e.event === event && e.member === 'c-c');
    const probes = about('probe-failed');
    assert.ok(probes.length > 0, 'a failed probe of c is logged');
    assert.match(String(probes[0]!.msg), /^probe-failed c-c: no ack$/);
    assert.equal(typeof probes[0]!.nacksExpected, 'number');
    // The first survivor whose suspicion ran out declared c failed; the other may have
    // heard it from that one before its own ran out.
    const expired = about('suspicion-expired');
    assert.ok(expired.length > 0, 'the expiry of the suspicion is logged');
    assert.match(String(expired[0]!.msg), /^suspicion-expired c-c: declared failed$/);
    // Three members: Lifeguard expects k = 1 confirmation, so 0 or 1 arrived.
    assert.ok([0, 1].includes(expired[0]!.confirmations as number));
    assert.ok((expired[0]!.timeoutMs as number) >= 3_000, 'at least the local profile minimum');
  });
});
