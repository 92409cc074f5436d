import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_MEMBERLIST_LIMITS,
  memberlistLimits,
} from '../../../src/membership/wire/limits.ts';

test('every memberlist limit has a finite default; meta follows memberlist (512 bytes)', () => {
  for (const [k, v] of Object.entries(DEFAULT_MEMBERLIST_LIMITS)) {
    assert.ok(Number.isSafeInteger(v) && v > 0, k);
  }
  assert.equal(DEFAULT_MEMBERLIST_LIMITS.metaBytesMax, 512);
  assert.equal(
    DEFAULT_MEMBERLIST_LIMITS.streamBytesMax,
    20 * 1024 * 1024,
    "memberlist's maxPushStateBytes",
  );
  assert.ok(
    DEFAULT_MEMBERLIST_LIMITS.compoundPartsMax <= 127,
    'never more parts than Go can slice',
  );
});

test('overrides are validated, naming the field and the range', () => {
  assert.equal(memberlistLimits({ metaBytesMax: 1024 }).metaBytesMax, 1024);
  assert.throws(() => memberlistLimits({ compoundPartsMax: 256 }), {
    code: 'HEARSAY_ERR_CONFIG_INVALID',
    message: /limits\.compoundPartsMax.*\[1, 255\]/,
  });
  assert.throws(() => memberlistLimits({ packetBytesMax: Number.POSITIVE_INFINITY }), {
    code: 'HEARSAY_ERR_CONFIG_INVALID',
    message: /packetBytesMax/,
  });
  assert.throws(() => memberlistLimits({ nestingDepthMax: 0 }), {
    code: 'HEARSAY_ERR_CONFIG_INVALID',
  });
  assert.ok(Object.isFrozen(memberlistLimits()));
});
