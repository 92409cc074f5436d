/**
 * Serf's transmit-limited queues: memberlist's retransmit limit, selection order (fewest
 * sends, longest, newest), budget, no replacement, depth limit, pending tracking.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
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

test('picks, drops and pending ids match a queue that scans every entry (fixed seed)', () => {
  type Op =
    | { op: 'queue'; len: number }
    | { op: 'take'; overhead: number; limit: number; transmitLimit: number }
    | { op: 'pending'; back: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('queue' as const),
        len: fc.integer({ min: 1, max: 60 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('take' as const),
        overhead: fc.integer({ min: 0, max: 4 }),
        limit: fc.integer({ min: 0, max: 300 }),
        transmitLimit: fc.integer({ min: 0, max: 6 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('pending' as const),
        back: fc.integer({ min: 0, max: 40 }),
      }),
    },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 24 }),
      fc.array(opArb, { maxLength: 300 }),
      (depth, ops) => {
        const q = new SerfBroadcastQueue(depth);
        const ref = new ScanningQueue(depth);
        let serial = 0;
        const ids: number[] = [];
        for (const o of ops) {
          if (o.op === 'queue') {
            // Each entry's first byte names it, so picks compare by identity of content.
            const b = new Uint8Array(o.len).fill(serial++ & 0xff);
            const id = q.queue(b);
            assert.equal(ref.queue(b), id);
            ids.push(id);
          } else if (o.op === 'take') {
            assert.deepEqual(
              q.getBroadcasts(o.overhead, o.limit, o.transmitLimit),
              ref.getBroadcasts(o.overhead, o.limit, o.transmitLimit),
            );
          } else if (ids.length > 0) {
            const id = ids[Math.max(0, ids.length - 1 - o.back)]!;
            assert.equal(q.isPending(id), ref.isPending(id));
          }
          assert.equal(q.size, ref.size);
          assert.equal(q.droppedTotal, ref.droppedTotal);
        }
      },
    ),
    { seed: 0x5e4f, numRuns: 300 },
  );
});

/** The queue as first written: every pick and every drop scans all entries. */
interface RefEntry {
  id: number;
  bytes: Uint8Array;
  transmits: number;
}

class ScanningQueue {
  readonly depthMax: number;
  droppedTotal = 0;
  #entries: RefEntry[] = [];
  #nextId = 1;
  constructor(depthMax: number) {
    this.depthMax = depthMax;
  }
  get size(): number {
    return this.#entries.length;
  }
  queue(bytes: Uint8Array): number {
    if (this.#entries.length >= this.depthMax) {
      let worst = 0;
      for (let i = 1; i < this.#entries.length; i++) {
        if (before(this.#entries[worst]!, this.#entries[i]!)) worst = i;
      }
      this.#entries.splice(worst, 1);
      this.droppedTotal++;
    }
    const id = this.#nextId++;
    this.#entries.push({ id, bytes, transmits: 0 });
    return id;
  }
  isPending(id: number): boolean {
    return this.#entries.some((e) => e.id === id);
  }
  getBroadcasts(overheadBytes: number, limitBytes: number, transmitLimit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const picked = new Set<RefEntry>();
    let usedBytes = 0;
    for (;;) {
      const freeBytes = limitBytes - usedBytes - overheadBytes;
      if (freeBytes <= 0) break;
      let best: RefEntry | undefined;
      for (const e of this.#entries) {
        if (picked.has(e) || e.bytes.length > freeBytes) continue;
        if (best === undefined || before(e, best)) best = e;
      }
      if (best === undefined) break;
      picked.add(best);
      usedBytes += overheadBytes + best.bytes.length;
      out.push(best.bytes);
    }
    for (const e of picked) e.transmits++;
    this.#entries = this.#entries.filter((e) => e.transmits < transmitLimit);
    return out;
  }
}

function before(a: RefEntry, b: RefEntry): boolean {
  if (a.transmits !== b.transmits) return a.transmits < b.transmits;
  if (a.bytes.length !== b.bytes.length) return a.bytes.length > b.bytes.length;
  return a.id > b.id;
}
