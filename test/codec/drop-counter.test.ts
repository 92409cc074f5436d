import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropCounter } from '../../src/codec/drop-counter.ts';
import { RemoteError } from '../../src/core/errors.ts';

test('record reports the first drop of each code, and counts all of them', () => {
  const drops = new DropCounter();
  const trunc = new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', 'x');
  const big = new RemoteError('HEARSAY_ERR_DECODE_OVERSIZE', 'y');
  assert.equal(drops.total, 0);
  assert.deepEqual(drops.counts(), {});
  assert.equal(drops.record(trunc), true);
  assert.equal(drops.record(trunc), false);
  assert.equal(drops.record(big), true);
  assert.equal(
    drops.record(new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', 'other message')),
    false,
  );
  assert.equal(drops.total, 4);
  assert.deepEqual(drops.counts(), {
    HEARSAY_ERR_DECODE_TRUNCATED: 3,
    HEARSAY_ERR_DECODE_OVERSIZE: 1,
  });
});

test('counts() is a snapshot, not a live view', () => {
  const drops = new DropCounter();
  drops.record(new RemoteError('HEARSAY_ERR_DECODE_VERSION', 'v'));
  const snap = drops.counts();
  drops.record(new RemoteError('HEARSAY_ERR_DECODE_VERSION', 'v'));
  assert.equal(snap.HEARSAY_ERR_DECODE_VERSION, 1);
  assert.equal(drops.counts().HEARSAY_ERR_DECODE_VERSION, 2);
});
