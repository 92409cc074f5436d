/**
 * Members on real sockets (127.0.0.1, port 0), in one process: a cluster forms, a silent
 * member is declared failed, a leaving one is recorded as left, encryption with one key
 * forms a cluster, a wrong key and a dead port fail to join with errors that say why.
 *
 * Timings are the 'local' profile shortened so each scenario takes well under a second or
 * two; every wait polls a condition with a deadline.
 */

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Member } from '../../../src/membership/types.ts';
import {
  createMember,
  JoinError,
  type MemberOptions,
  type Membership,
} from '../../../src/net/memberlist/member.ts';
import { until } from '../until.ts';

const DEADLINE_MS = 10_000;
const KEY = 'T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s=';
const OTHER_KEY = new Uint8Array(32).fill(7);

/** Fast timings: probes every 100 ms, gossip every 20 ms. */
const FAST: MemberOptions['config'] = {
  probeIntervalMs: 100,
  probeTimeoutMs: 40,
  gossipIntervalMs: 20,
  pushPullIntervalMs: 2_000,
  suspicionMult: 3,
  gossipToTheDeadMs: 2_000,
  tcpTimeoutMs: 500,
  leaveTimeoutMs: 1_000,
};

const started: Membership[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.shutdown()));
});

async function member(name: string, options: Partial<MemberOptions> = {}): Promise<Membership> {
  const warnings: string[] = [];
  const m = await createMember({
    name,
    bind: '127.0.0.1:0',
    profile: 'local',
    config: FAST,
    seed: name.length,
    logger: {
      warn: (w) => warnings.push(w),
      error: (e, err) => warnings.push(`${e} ${String(err)}`),
    },
    ...options,
  });
  started.push(m);
  return m;
}

function stateOf(m: Membership, name: string): string | undefined {
  return m.members().find((x) => x.name === name)?.state;
}

function aliveCount(m: Membership): number {
  return m.members().filter((x) => x.state === 'alive').length;
}

async function cluster(n: number, options: Partial<MemberOptions> = {}): Promise<Membership[]> {
  const ms: Membership[] = [];
  for (let i = 0; i < n; i++) ms.push(await member(`node-${i}`, options));
  for (const m of ms.slice(1)) assert.equal(await m.join([ms[0]!.advertise]), 1);
  await until(
    () => ms.every((m) => aliveCount(m) === n),
    DEADLINE_MS,
    `${n} members see ${n} alive`,
  );
  return ms;
}

describe('members on 127.0.0.1', () => {
  test('three members join and all see three alive; join events name the others', async () => {
    const a = await member('a');
    const joined: Member[] = [];
    a.on('join', (m) => joined.push(m));
    const b = await member('b');
    const c = await member('c');
    assert.equal(await b.join([a.advertise]), 1);
    assert.equal(await c.join([b.advertise]), 1);
    await until(
      () => [a, b, c].every((m) => aliveCount(m) === 3),
      DEADLINE_MS,
      'three alive everywhere',
    );
    assert.deepEqual(joined.map((m) => m.name).sort(), ['b', 'c']);
    assert.equal(a.local.name, 'a');
    assert.equal(a.local.port, a.address.port);
    const s = a.stats();
    assert.equal(s.members.alive, 3);
    assert.ok(
      (s.in.messagesByType['udp:ping'] ?? 0) + (s.in.messagesByType['udp:compound'] ?? 0) > 0,
    );
    assert.equal(s.peers, 2, 'both others are pinned in the address map');
  });

  test('a member shut down without leaving is declared failed by the others', async () => {
    const [a, b, c] = await cluster(3);
    const failed: Member[] = [];
    a!.on('failed', (m) => failed.push(m));
    await c!.shutdown();
    await until(
      () => stateOf(a!, 'node-2') === 'dead' && stateOf(b!, 'node-2') === 'dead',
      DEADLINE_MS,
      'node-2 dead',
    );
    assert.equal(failed[0]?.name, 'node-2');
    assert.equal(failed[0]?.state, 'dead');
    assert.equal(aliveCount(a!), 2);
  });

  test('a member that leaves is recorded as left, not failed', async () => {
    const [a, b, c] = await cluster(3);
    const left: Member[] = [];
    const failed: Member[] = [];
    a!.on('leave', (m) => left.push(m));
    a!.on('failed', (m) => failed.push(m));
    const { timedOut } = await c!.leave();
    assert.equal(timedOut, false);
    assert.ok(c!.closed);
    await until(
      () => stateOf(a!, 'node-2') === 'left' && stateOf(b!, 'node-2') === 'left',
      DEADLINE_MS,
      'node-2 left',
    );
    assert.equal(left[0]?.name, 'node-2');
    assert.deepEqual(failed, []);
  });

  test('metadata updates reach the others', async () => {
    const [a, b] = await cluster(2);
    const updates: Member[] = [];
    a!.on('update', (m) => updates.push(m));
    b!.updateMeta(new TextEncoder().encode('role=db'));
    await until(() => updates.length > 0, DEADLINE_MS, 'the update');
    assert.equal(new TextDecoder().decode(updates[0]!.meta!), 'role=db');
  });

  test('members sharing an encryption key form a cluster', async () => {
    const ms = await cluster(3, { encryptKeys: [KEY] });
    const s = ms[0]!.stats();
    assert.equal(s.droppedByReason.HEARSAY_ERR_DECRYPT_FAILED ?? 0, 0);
    assert.deepEqual(ms[0]!.listKeys().length, 1);
  });

  test('a member with a wrong key fails to join with a clear error; nothing crashes', async () => {
    const a = await member('a', { encryptKeys: [KEY] });
    const intruder = await member('x', { encryptKeys: [OTHER_KEY] });
    const err = await intruder.join([a.advertise]).then(
      () => assert.fail('join should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof JoinError, String(err));
    assert.match(err.message, /encryption key/);
    assert.ok(
      err.failures.every((f) => f.reason === 'undecryptable-answer' || f.reason === 'no-answer'),
      JSON.stringify(err.failures),
    );
    assert.ok((a.stats().droppedByReason.HEARSAY_ERR_DECRYPT_FAILED ?? 0) >= 1);
    assert.equal(aliveCount(a), 1);
    // Both still work: a good member can join a.
    const b = await member('b', { encryptKeys: [KEY] });
    assert.equal(await b.join([a.advertise]), 1);
  });

  test('a join to a port where nobody listens rejects after its retries, naming the seed', async () => {
    const gone = await member('gone');
    const seed = gone.advertise;
    await gone.shutdown();
    const a = await member('a', { config: { ...FAST, joinRetries: 1, joinBackoffMs: 20 } });
    const err = await a.join([seed]).then(
      () => assert.fail('join should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof JoinError, String(err));
    assert.equal(err.failures.length, 1);
    assert.equal(err.failures[0]!.seed, seed);
    assert.equal(err.failures[0]!.reason, 'refused');
    assert.match(err.message, /nothing listens there/);
    assert.equal(
      (a.stats().droppedByReason['stream-connect'] ?? 0) >= 2,
      true,
      'one refusal per attempt',
    );
  });

  test('aborting the signal given at creation shuts the member down', async () => {
    const controller = new AbortController();
    const a = await member('a', { signal: controller.signal });
    controller.abort();
    await until(() => a.closed, DEADLINE_MS, 'closed');
    await a.shutdown();
  });
});
