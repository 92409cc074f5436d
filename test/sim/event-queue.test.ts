import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { EV_CONTROL, EV_DELIVER, EV_TIMER, EventQueue } from '../../src/sim/event-queue.ts';

function drain(q: EventQueue): { t: number; node: number }[] {
  const out: { t: number; node: number }[] = [];
  while (q.pop()) out.push({ t: q.now, node: q.eventNode });
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
  assert.equal(q.pop(), true);
  assert.equal(q.eventNode, 1);
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
      assert.equal(q.pop(), true);
      popped.push(q.eventNode);
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
      assert.equal(q.pop(), true);
      popped.push(q.eventNode);
      expected.push(ref.shift()!.seq);
      assert.equal(q.size, ref.length);
    }
  }
  for (const e of drain(q)) popped.push(e.node);
  for (const e of ref) expected.push(e.seq);
  assert.deepEqual(popped, expected);
  assert.equal(q.size, 0);
  assert.equal(q.pop(), false);
});

test('popUntil leaves later events and the clock alone', () => {
  const q = new EventQueue();
  q.push(10, EV_DELIVER, 1, 0, 0, null);
  q.push(10, EV_DELIVER, 2, 0, 0, null);
  q.push(20, EV_DELIVER, 3, 0, 0, null);
  assert.equal(q.popUntil(5), false);
  assert.equal(q.now, 0);
  assert.equal(q.popUntil(10), true);
  assert.equal(q.eventNode, 1);
  assert.equal(q.popUntil(10), true);
  assert.equal(q.eventNode, 2);
  assert.equal(q.popUntil(19), false);
  assert.equal(q.now, 10);
  assert.equal(q.size, 1);
  assert.equal(q.popUntil(Number.POSITIVE_INFINITY), true);
  assert.equal(q.eventNode, 3);
  assert.equal(q.popUntil(Number.POSITIVE_INFINITY), false);
});

test('every field of an event comes back, through the FIFO and the pool, across growth', () => {
  const q = new EventQueue();
  // Timers (kind 1) carry no payload.
  const payloads = Array.from({ length: 5000 }, (_, i) => (i % 3 === EV_TIMER ? null : { i }));
  const check = (i: number): void => {
    assert.equal(q.eventNode, i);
    assert.equal(q.eventAux, i * 3);
    assert.equal(q.eventGen, i % 7);
    assert.equal(q.eventKind, i % 3);
    assert.equal(q.eventPayload, payloads[i]);
  };
  // Zero delay: the FIFO, pushed past its initial capacity while partly drained.
  for (let i = 0; i < 5000; i++) {
    q.push(q.now, i % 3, i, i * 3, i % 7, payloads[i]);
    if (i % 3 === 0) {
      assert.equal(q.pop(), true);
      check(i / 3);
    }
  }
  for (let i = Math.ceil(5000 / 3); i < 5000; i++) {
    assert.equal(q.pop(), true);
    check(i);
  }
  // In the future: the slot pool.
  for (let i = 0; i < 5000; i++) q.push(q.now + 1 + (i % 10), i % 3, i, i * 3, i % 7, payloads[i]);
  const seen = new Set<number>();
  while (q.pop()) {
    check(q.eventNode);
    seen.add(q.eventNode);
  }
  assert.equal(seen.size, 5000);
});

test('periodic streams and random delays interleaved keep (time, insertion) order', () => {
  // 50 periodic timers of two periods (each period a sorted stream, so a run) re-armed
  // when they fire; each firing also sends messages with random delays (mostly the
  // heap) or none (the FIFO). Checked against a sort over 20,000 pops.
  const rng = new Rng(5);
  const q = new EventQueue();
  const periodOf = new Map<number, number>();
  const ref: { t: number; seq: number }[] = [];
  let seq = 0;
  const push = (t: number, periodMs: number): void => {
    q.push(t, EV_DELIVER, seq, 0, 0, null);
    ref.push({ t, seq });
    periodOf.set(seq, periodMs);
    seq++;
  };
  for (let i = 0; i < 50; i++) push(rng.float() * 200, i % 2 === 0 ? 200 : 1000);
  const popped: number[] = [];
  const expected: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    ref.sort((a, b) => a.t - b.t || a.seq - b.seq);
    assert.equal(q.pop(), true);
    popped.push(q.eventNode);
    expected.push(ref.shift()!.seq);
    const periodMs = periodOf.get(q.eventNode)!;
    if (periodMs > 0) push(q.now + periodMs, periodMs);
    if (rng.chance(0.5)) push(q.now + 5 + rng.float() * 10, 0);
    if (rng.chance(0.2)) push(q.now, 0);
  }
  assert.deepEqual(popped, expected);
  assert.equal(q.size, ref.length);
});
