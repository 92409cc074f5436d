import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BroadcastQueue,
  type GossipMessage,
} from '../../../src/membership/swim/broadcast-queue.ts';

const dead = (node: string, incarnation = 1): GossipMessage => ({
  type: 'dead',
  node,
  incarnation,
  from: 'x',
});

function drain(q: BroadcastQueue, n: number, limitBytes = 10_000): string[][] {
  const packets: string[][] = [];
  for (;;) {
    const got = q.take(2, limitBytes, n, 127, []);
    if (got.length === 0) return packets;
    packets.push(got.map((m) => m.node));
  }
}

test('each message is sent retransmitMult × ceil(log10(n+1)) times: 4 for n ≤ 9, 8 for n = 10', () => {
  for (const [n, times] of [
    [3, 4],
    [9, 4],
    [10, 8],
  ] as const) {
    const q = new BroadcastQueue(4, 100);
    let finished = 0;
    q.enqueue('a', dead('a'), 30, () => finished++);
    q.enqueue('b', dead('b'), 30, () => finished++);
    const packets = drain(q, n);
    assert.equal(packets.length, times, `n=${n}`);
    for (const p of packets)
      assert.deepEqual([...p].sort(), ['a', 'b'], 'both in every packet, once');
    assert.equal(finished, 2);
    assert.equal(q.size, 0);
  }
});

test('order: fewest transmissions, then largest, then newest; one packet never repeats a message', () => {
  const q = new BroadcastQueue(4, 100);
  q.enqueue('small-old', dead('small-old'), 10);
  q.enqueue('big', dead('big'), 50);
  q.enqueue('small-new', dead('small-new'), 10);
  // Room for the big one and one small one (each costs bytes + 2).
  let got = q.take(2, 64, 3, 127, []).map((m) => m.node);
  assert.deepEqual(got, ['big', 'small-new']);
  // small-old has 0 transmissions: it goes first, then the largest of tier 1.
  got = q.take(2, 64, 3, 127, []).map((m) => m.node);
  assert.deepEqual(got, ['small-old', 'big']);
  assert.equal(q.transmitsOf('big'), 2);
  assert.equal(q.transmitsOf('small-new'), 1);
  assert.equal(q.transmitsOf('small-old'), 1);
});

test('a message that does not fit is skipped for a smaller one; the part cap holds', () => {
  const q = new BroadcastQueue(4, 100);
  q.enqueue('huge', dead('huge'), 500);
  q.enqueue('tiny', dead('tiny'), 5);
  assert.deepEqual(
    q.take(2, 100, 3, 127, []).map((m) => m.node),
    ['tiny'],
  );
  assert.equal(q.lastTakenBytes, 7);
  for (let i = 0; i < 10; i++) q.enqueue(`m${i}`, dead(`m${i}`), 5);
  assert.equal(q.take(2, 10_000, 3, 4, []).length, 4);
});

test('a newer message about the same node replaces the queued one (finished), other keys stay', () => {
  const q = new BroadcastQueue(4, 100);
  const finished: string[] = [];
  q.enqueue('n1', dead('n1', 1), 20, () => finished.push('old'));
  q.enqueue('n2', dead('n2', 1), 20);
  q.take(2, 10_000, 3, 127, []);
  q.enqueue('n1', dead('n1', 2), 20, () => finished.push('new'));
  assert.deepEqual(finished, ['old']);
  assert.equal(q.size, 2);
  assert.equal(q.transmitsOf('n1'), 0, 'the replacement starts from zero');
  const first = q.take(2, 10_000, 3, 127, []);
  assert.equal(first[0]!.incarnation, 2);
});

test('beyond broadcastsMax the most-sent, smallest, oldest message goes first', () => {
  const q = new BroadcastQueue(4, 2);
  const finished: string[] = [];
  q.enqueue('a', dead('a'), 20, () => finished.push('a'));
  q.take(2, 10_000, 3, 127, []);
  q.enqueue('b', dead('b'), 20, () => finished.push('b'));
  q.enqueue('c', dead('c'), 20, () => finished.push('c'));
  assert.deepEqual(finished, ['a']);
  assert.equal(q.size, 2);
});

test('a flood of replacements keeps the queue compact and correct', () => {
  const q = new BroadcastQueue(4, 1000);
  for (let i = 0; i < 10_000; i++) q.enqueue(`k${i % 10}`, dead(`k${i % 10}`, i), 20 + (i % 7));
  assert.equal(q.size, 10);
  const packets = drain(q, 3);
  assert.equal(packets.length, 4);
  for (const p of packets) assert.equal(p.length, 10);
});
