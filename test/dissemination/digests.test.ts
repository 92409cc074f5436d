import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DigestCache, ONE_ID_DIGESTS_MAX } from '../../src/dissemination/digests.ts';
import { ItemStore } from '../../src/dissemination/store.ts';
import { cluster } from '../sim/pair.ts';

test('one-item stores of a spec share one digest array and one syn per id', () => {
  const cache = new DigestCache();
  const a = new ItemStore(cache);
  const b = new ItemStore(cache);
  const item = { id: 'x', data: new Uint8Array(0), hops: 0 };
  a.add(item, true, 0);
  b.add({ ...item, hops: 1 }, true, 5);
  assert.equal(a.ids(), b.ids());
  assert.deepEqual(a.ids(), ['x']);
  assert.equal(cache.oneId('x').syn.ids, a.ids());
  assert.equal(cache.oneId('x').syn.t, 'syn');
  // A second item gives the store its own list; the shared one is untouched.
  a.add({ id: 'y', data: new Uint8Array(0), hops: 0 }, true, 1);
  assert.deepEqual(a.ids(), ['x', 'y']);
  assert.deepEqual(b.ids(), ['x']);
});

test('the digest cache is bounded: past the limit, digests are built per call', () => {
  const cache = new DigestCache();
  for (let i = 0; i < ONE_ID_DIGESTS_MAX + 10; i++) cache.oneId(`id${i}`);
  assert.equal(cache.size, ONE_ID_DIGESTS_MAX);
  const late = `id${ONE_ID_DIGESTS_MAX + 5}`;
  assert.notEqual(cache.oneId(late).ids, cache.oneId(late).ids);
  assert.deepEqual(cache.oneId(late).ids, [late]);
  assert.equal(cache.oneId('id0').ids, cache.oneId('id0').ids);
});

test('push-pull: nodes that know the same one item exchange only syns', () => {
  const c = cluster(50, { protocol: 'push-pull' });
  c.publish(0, 'a');
  c.sim.run(2000);
  assert.equal(c.delivered('a').size, 50);
  const before = Object.fromEntries(c.sim.stats.messagesByType);
  c.sim.run(3000);
  const after = Object.fromEntries(c.sim.stats.messagesByType);
  // Ten more periods: one syn per node per period, nothing answered.
  assert.equal((after.syn ?? 0) - (before.syn ?? 0), 500);
  for (const t of ['ack', 'ack2', 'items']) assert.equal(after[t], before[t], t);
});
