/**
 * Serf's member status machine (serf-layer.md §5.1), row by row: memberlist join/leave/
 * update, join and leave intents with Lamport times, intents buffered for nodes not yet
 * known, pruning, reaping, and the bounded intent buffer.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntentBuffer } from '../../src/serf/intents.ts';
import { type MemberlistNode, MemberTable } from '../../src/serf/member-table.ts';
import {
  ON_JOIN_INTENT,
  ON_LEAVE_INTENT,
  ON_MEMBERLIST_JOIN,
  ON_MEMBERLIST_LEAVE,
  type SerfStatus,
} from '../../src/serf/status.ts';

const node = (name: string, tags: Record<string, string> = {}): MemberlistNode => ({
  name,
  ip: new Uint8Array([10, 0, 0, 1]),
  port: 7946,
  tags: new Map(Object.entries(tags)),
  vsn: [1, 5, 2, 2, 5, 5],
});

function fresh(intentsMax = 16) {
  const intents = new IntentBuffer(intentsMax);
  const table = new MemberTable(intents);
  const drain = (): string[] => {
    const out: string[] = [];
    for (let e = table.pollEvent(); e !== undefined; e = table.pollEvent()) {
      out.push(`${e.type}:${e.record.name}`);
    }
    return out;
  };
  return { intents, table, drain };
}

/** Puts `a` into `status` through the ordinary inputs, at statusLTime 10. */
function memberIn(status: SerfStatus) {
  const f = fresh();
  f.table.memberlistJoin(node('a'));
  f.table.joinIntent('a', 10n, 0);
  if (status === 'failed') f.table.memberlistLeave('a', 0);
  if (status === 'left') {
    f.table.memberlistLeave('a', 0);
    f.table.leaveIntent('a', 11n, false, 0, 0);
  }
  if (status === 'leaving') f.table.leaveIntent('a', 11n, false, 0, 0);
  f.drain();
  assert.equal(f.table.get('a')!.status, status, `setup for ${status}`);
  return f;
}

const STATUSES: SerfStatus[] = ['alive', 'leaving', 'left', 'failed'];

test('memberlist join: a new node is alive with member-join', () => {
  const { table, drain } = fresh();
  const r = table.memberlistJoin(node('a', { role: 'web' }));
  assert.equal(r.status, 'alive');
  assert.equal(r.statusLTime, 0n);
  assert.equal(r.tags.get('role'), 'web');
  assert.deepEqual(drain(), ['member-join:a']);
});

test('every transition table row is what the code does', () => {
  for (const from of STATUSES) {
    // memberlist join
    {
      const { table, drain } = memberIn(from);
      table.memberlistJoin(node('a'));
      const row = ON_MEMBERLIST_JOIN[from]!;
      assert.equal(table.get('a')!.status, row.to, `memberlist join from ${from}`);
      assert.deepEqual(drain(), row.event === null ? [] : [`${row.event}:a`]);
    }
    // memberlist leave
    {
      const { table, drain } = memberIn(from);
      table.memberlistLeave('a', 5);
      const row = ON_MEMBERLIST_LEAVE[from];
      assert.equal(table.get('a')!.status, row?.to ?? from, `memberlist leave from ${from}`);
      assert.deepEqual(drain(), row?.event ? [`${row.event}:a`] : []);
    }
    // newer leave intent
    {
      const { table, drain } = memberIn(from);
      const rebroadcast = table.leaveIntent('a', 100n, false, 5, 0);
      const row = ON_LEAVE_INTENT[from]!;
      assert.equal(rebroadcast, true, `leave intent from ${from} is re-gossiped`);
      assert.equal(table.get('a')!.status, row.to, `leave intent from ${from}`);
      assert.equal(table.get('a')!.statusLTime, 100n);
      assert.deepEqual(drain(), row.event === null ? [] : [`${row.event}:a`]);
    }
    // newer join intent
    {
      const { table, drain } = memberIn(from);
      const rebroadcast = table.joinIntent('a', 100n, 5);
      assert.equal(rebroadcast, true);
      assert.equal(table.get('a')!.status, ON_JOIN_INTENT[from]!.to, `join intent from ${from}`);
      assert.equal(table.get('a')!.statusLTime, 100n);
      assert.deepEqual(drain(), []);
    }
  }
});

test('stale intents (LTime ≤ statusLTime) change nothing and are not re-gossiped', () => {
  const { table, drain } = memberIn('alive');
  assert.equal(table.leaveIntent('a', 10n, false, 0, 0), false);
  assert.equal(table.joinIntent('a', 9n, 0), false);
  assert.equal(table.get('a')!.status, 'alive');
  assert.equal(table.get('a')!.statusLTime, 10n);
  assert.deepEqual(drain(), []);
});

test('a leave intent then memberlist leave is left (member-leave), not failed', () => {
  const { table, drain } = memberIn('alive');
  table.leaveIntent('a', 11n, false, 0, 0);
  table.memberlistLeave('a', 1);
  assert.equal(table.get('a')!.status, 'left');
  assert.deepEqual(drain(), ['member-leave:a']);
});

test('intents before the member: a buffered leave makes the new member leaving', () => {
  const { table, intents, drain } = fresh();
  assert.equal(table.leaveIntent('b', 7n, false, 0, 0), true, 'new intent is re-gossiped');
  assert.equal(table.leaveIntent('b', 7n, false, 0, 0), false, 'the same again is not');
  assert.equal(intents.size, 1);
  const r = table.memberlistJoin(node('b'));
  assert.equal(r.status, 'leaving');
  assert.equal(r.statusLTime, 7n);
  assert.deepEqual(drain(), ['member-join:b']);
  table.memberlistLeave('b', 1);
  assert.equal(table.get('b')!.status, 'left');
});

test('intents before the member: the latest intent wins (join after leave)', () => {
  const { table } = fresh();
  table.leaveIntent('c', 3n, false, 0, 0);
  assert.equal(table.joinIntent('c', 2n, 0), false, 'older join is ignored');
  assert.equal(table.joinIntent('c', 4n, 0), true);
  const r = table.memberlistJoin(node('c'));
  assert.equal(r.status, 'alive');
  assert.equal(r.statusLTime, 4n);
});

test('memberlist update changes tags and emits member-update; unknown nodes are ignored', () => {
  const { table, drain } = memberIn('alive');
  table.memberlistUpdate(node('a', { env: 'prod' }));
  assert.equal(table.get('a')!.tags.get('env'), 'prod');
  table.memberlistUpdate(node('zz'));
  assert.equal(table.get('zz'), undefined);
  assert.deepEqual(drain(), ['member-update:a']);
});

test('reaper: failed after the reconnect timeout, left after the tombstone timeout', () => {
  const timeouts = { reconnectTimeoutMs: 1000, tombstoneTimeoutMs: 5000 };
  const f = memberIn('alive');
  f.table.memberlistJoin(node('b'));
  f.table.memberlistLeave('a', 0); // failed at t=0
  f.table.leaveIntent('b', 1n, false, 0, 0);
  f.table.memberlistLeave('b', 0); // left at t=0
  f.drain();
  f.table.reap(1000, timeouts);
  assert.ok(f.table.get('a'), 'not reaped at exactly the timeout');
  f.table.reap(1001, timeouts);
  assert.equal(f.table.get('a'), undefined);
  assert.ok(f.table.get('b'));
  f.table.reap(5001, timeouts);
  assert.equal(f.table.get('b'), undefined);
  assert.deepEqual(f.drain(), ['member-reap:a', 'member-reap:b']);
});

test('a failed member that comes back is alive and no longer reaped', () => {
  const f = memberIn('failed');
  f.table.memberlistJoin(node('a'));
  f.table.reap(10 ** 12, { reconnectTimeoutMs: 1, tombstoneTimeoutMs: 1 });
  assert.equal(f.table.get('a')!.status, 'alive');
});

test('prune: a failed member is erased at once (leave, then reap); a leaving one after the delay', () => {
  const f = memberIn('failed');
  f.table.leaveIntent('a', 50n, true, 0, 100);
  assert.equal(f.table.get('a'), undefined);
  assert.deepEqual(f.drain(), ['member-leave:a', 'member-reap:a']);

  const g = memberIn('leaving');
  g.table.leaveIntent('a', 50n, true, 0, 100);
  assert.ok(g.table.get('a'));
  const timeouts = { reconnectTimeoutMs: 10 ** 9, tombstoneTimeoutMs: 10 ** 9 };
  g.table.reap(99, timeouts);
  assert.ok(g.table.get('a'));
  g.table.reap(100, timeouts);
  assert.equal(g.table.get('a'), undefined);
  assert.deepEqual(g.drain(), ['member-reap:a']);
});

test('intent buffer: bounded, oldest evicted, expired entries reaped', () => {
  const intents = new IntentBuffer(2);
  intents.upsert('a', 'join', 1n, 0);
  intents.upsert('b', 'join', 1n, 10);
  intents.upsert('a', 'leave', 2n, 20); // re-stored: now the newest
  intents.upsert('c', 'join', 1n, 30); // full: evicts b
  assert.equal(intents.size, 2);
  assert.equal(intents.evictedTotal, 1);
  assert.equal(intents.get('b', 'join'), undefined);
  assert.equal(intents.get('a', 'leave'), 2n);
  assert.equal(intents.get('a', 'join'), undefined);
  intents.reap(25 + 1000, 1000); // a stored at 20: 1005 > 1000 → gone; c at 30 stays
  assert.equal(intents.get('a', 'leave'), undefined);
  assert.equal(intents.get('c', 'join'), 1n);
});
