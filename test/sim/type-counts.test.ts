import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeCounts } from '../../src/sim/type-counts.ts';

test('type counts read as a live Map in first-seen order', () => {
  const c = new TypeCounts();
  const held: Map<string, number> = c;
  assert.equal(held.size, 0);
  c.bump('syn');
  c.bump('ack');
  c.bump('syn');
  assert.equal(held.get('syn'), 2);
  assert.equal(held.get('ack'), 1);
  assert.equal(held.get('items'), undefined);
  assert.equal(held.has('ack'), true);
  assert.deepEqual(Object.fromEntries(held), { syn: 2, ack: 1 });
  c.bump('items');
  c.bump('syn');
  // The Map the caller already held sees the new counts.
  assert.deepEqual(
    [...held],
    [
      ['syn', 3],
      ['ack', 1],
      ['items', 1],
    ],
  );
  assert.deepEqual([...held.keys()], ['syn', 'ack', 'items']);
  assert.deepEqual([...held.values()], [3, 1, 1]);
  assert.deepEqual([...held.entries()].length, 3);
  const seen: string[] = [];
  held.forEach((v, k) => {
    seen.push(`${k}=${v}`);
  });
  assert.deepEqual(seen, ['syn=3', 'ack=1', 'items=1']);
  assert.equal(held.size, 3);
});

test('writes through the Map move the counters', () => {
  const c = new TypeCounts();
  c.bump('a');
  c.set('a', 10);
  c.bump('a');
  assert.equal(c.get('a'), 11);
  c.set('b', 5);
  c.bump('b');
  assert.equal(c.get('b'), 6);
  assert.equal(c.delete('a'), true);
  assert.equal(c.get('a'), undefined);
  c.bump('a');
  assert.deepEqual(Object.fromEntries(c), { b: 6, a: 1 });
  c.clear();
  assert.equal(c.size, 0);
  c.bump('z');
  assert.deepEqual(Object.fromEntries(c), { z: 1 });
});
