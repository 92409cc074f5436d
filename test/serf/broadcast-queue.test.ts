/**
 * Serf's transmit-limited queues: memberlist's retransmit limit, selection order (fewest
 * sends, longest, newest), budget, no replacement, depth limit, pending tracking.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retransmitLimit, SerfBroadcastQueue } from '../../src/serf/broadcast-queue.ts';

const bytes = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

test('retransmitLimit = mult × ceil(log10(n + 1)) (memberlist-wire.md §8.5)', () => {
  const cases: [number, number, number][] = [
    [4, 0, 0],
    [4, 1, 4],
    [4, 9, 4],
    [4, 10, 8],
    [4, 99, 8],
    [4, 100, 12],
    [4, 999, 12],
    [2, 5, 2],
  ];
  for (const [mult, n, limit] of cases) assert.equal(retransmitLimit(mult, n), limit, `n=${n}`);
});

test('each entry is sent exactly transmitLimit times, then leaves the queue', () => {
  const q = new SerfBroadcastQueue(16);
  const id = q.queue(bytes(10));
  let sends = 0;
  for (let i = 0; i < 10; i++) sends += q.getBroadcasts(2, 1000, 4).length;
  assert.equal(sends, 4);
  assert.equal(q.size, 0);
  assert.equal(q.isPending(id), false);
});

test('order: fewest transmits first, then longest, then newest', () => {
  const q = new SerfBroadcastQueue(16);
  q.queue(bytes(5, 1)); // old short
  q.queue(bytes(9, 2)); // long
  q.queue(bytes(5, 3)); // new short
  const first = q.getBroadcasts(0, 1000, 10);
  assert.deepEqual(
    first.map((b) => b[0]),
    [2, 3, 1],
  );
  // A newcomer with zero transmits goes before the three sent once.
  q.queue(bytes(1, 4));
  const second = q.getBroadcasts(0, 1000, 10);
  assert.deepEqual(
    second.map((b) => b[0]),
    [4, 2, 3, 1],
  );
});

test('the budget counts overhead per message and skips entries that do not fit', () => {
  const q = new SerfBroadcastQueue(16);
  q.queue(bytes(50, 1));
  q.queue(bytes(20, 2));
  q.queue(bytes(10, 3));
  // 40 bytes: 50 never fits; 20 + 3 overhead = 23, then 10 + 3 = 13 → 36 ≤ 40.
  const out = q.getBroadcasts(3, 40, 10);
  assert.deepEqual(
    out.map((b) => b[0]),
    [2, 3],
  );
  assert.equal(q.size, 3);
});

test('Serf messages never replace each other: equal bytes are two entries', () => {
  const q = new SerfBroadcastQueue(16);
  q.queue(bytes(4, 7));
  q.queue(bytes(4, 7));
  assert.equal(q.size, 2);
  assert.equal(q.getBroadcasts(0, 1000, 1).length, 2);
});

test('depth limit: the most transmitted, shortest, oldest entry is dropped and counted', () => {
  const q = new SerfBroadcastQueue(2);
  q.queue(bytes(3, 1));
  q.getBroadcasts(0, 1000, 10); // entry 1 sent once
  q.queue(bytes(3, 2));
  const third = q.queue(bytes(3, 3)); // over the limit: entry 1 goes
  assert.equal(q.size, 2);
  assert.equal(q.droppedTotal, 1);
  assert.equal(q.isPending(third), true);
  const out = q.getBroadcasts(0, 1000, 10);
  assert.deepEqual(out.map((b) => b[0]).sort(), [2, 3]);
});
