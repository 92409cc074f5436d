import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { EV_CONTROL, EV_DELIVER, EventQueue } from '../../src/sim/event-queue.ts';

function drain(q: EventQueue): { t: number; node: number }[] {
  const out: { t: number; node: number }[] = [];
  for (let slot = q.pop(); slot >= 0; slot = q.pop()) out.push({ t: q.now, node: q.nodeOf(slot) });
  return out;
}

test('pops in time order, ties in insertion order', () => {
  const q = new EventQueue();
  q.push(5, EV_DELIVER, 1, 0, 0, null);
  q.push(3, EV_DELIVER, 2, 0, 0, null);
  q.push(5, EV_DELIVER, 3, 0, 0, null);
  q.push(0, EV_DELIVER, 4, 0, 0, null);
  q.push(3, EV_DELIVER, 5, 0, 0, null);
  assert.deepEqual(
    drain(q).map((e) => e.node),
    [4, 2, 5, 1, 3],
  );
});

test('zero-delay events queue behind heap events due at the same instant', () => {
  const q = new EventQueue();
  q.push(10, EV_CONTROL, 1, 0, 0, null);
  q.push(10, EV_CONTROL, 2, 0, 0, null);
  const first = q.pop();
  assert.equal(q.nodeOf(first), 1);
  // Scheduled "now" (t = 10) while node 2's event, also at 10, is still pending.
  q.push(10, EV_CONTROL, 3, 0, 0, null);
  assert.deepEqual(
    drain(q).map((e) => e.node),
    [2, 3],
  );
});

test('matches a reference sort on random workloads, growing past the initial capacity', () => {
  const rng = new Rng(7);
  const q = new EventQueue();
  const ref: { t: number; seq: number; node: number }[] = [];
  let seq = 0;
  const popped: number[] = [];
  const expected: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 400; i++) {
      // Integer times make ties frequent.
      const t = q.now + rng.int(50);
      q.push(t, EV_DELIVER, seq, 0, 0, null);
      ref.push({ t, seq, node: seq });
      seq++;
    }
    ref.sort((a, b) => a.t - b.t || a.seq - b.seq);
    for (let i = 0; i < 300; i++) {
      const slot = q.pop();
      popped.push(q.nodeOf(slot));
      expected.push(ref.shift()!.node);
    }
  }
  assert.deepEqual(popped, expected);
  assert.equal(q.size, ref.length);
});

test('runs of pushes at one future instant (chains) keep (time, insertion) order', () => {
  // Few distinct times, so consecutive pushes often share an instant and build chains,
  // interleaved with zero-delay pushes and with pops that start a chain and push behind it.
  const rng = new Rng(11);
  const q = new EventQueue();
  const ref: { t: number; seq: number }[] = [];
  let seq = 0;
  const popped: number[] = [];
  const expected: number[] = [];
  for (let round = 0; round < 200; round++) {
    const burst = 1 + rng.int(40);
    for (let i = 0; i < burst; i++) {
      const t = q.now + 10 * rng.int(3);
      q.push(t, EV_DELIVER, seq, 0, 0, null);
      ref.push({ t, seq });
      seq++;
    }
    ref.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const pops = rng.int(burst + 5);
    for (let i = 0; i < pops && q.size > 0; i++) {
      const slot = q.pop();
      popped.push(q.nodeOf(slot));
      expected.push(ref.shift()!.seq);
      assert.equal(q.size, ref.length);
    }
  }
  for (const e of drain(q)) popped.push(e.node);
  for (const e of ref) expected.push(e.seq);
  assert.deepEqual(popped, expected);
  assert.equal(q.size, 0);
  assert.equal(q.pop(), -1);
});

test('popUntil leaves later events and the clock alone', () => {
  const q = new EventQueue();
  q.push(10, EV_DELIVER, 1, 0, 0, null);
  q.push(10, EV_DELIVER, 2, 0, 0, null);
  q.push(20, EV_DELIVER, 3, 0, 0, null);
  assert.equal(q.popUntil(5), -1);
  assert.equal(q.now, 0);
  assert.equal(q.nodeOf(q.popUntil(10)), 1);
  assert.equal(q.nodeOf(q.popUntil(10)), 2);
  assert.equal(q.popUntil(19), -1);
  assert.equal(q.now, 10);
  assert.equal(q.size, 1);
  assert.equal(q.nodeOf(q.popUntil(Number.POSITIVE_INFINITY)), 3);
  assert.equal(q.popUntil(Number.POSITIVE_INFINITY), -1);
});
