import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Keyring, keyFromBase64 } from '../../../src/net/security/keyring.ts';

const k = (fill: number, bytes = 32) => new Uint8Array(bytes).fill(fill);

describe('Keyring (memberlist keyring semantics)', () => {
  test('primary first; duplicates dropped; 16/24/32-byte keys only', () => {
    const ring = Keyring.create(k(1), [k(2, 16), k(1), k(3, 24)]);
    assert.deepEqual(ring.keys, [k(1), k(2, 16), k(3, 24)]);
    assert.deepEqual(ring.primary, k(1));
    assert.throws(() => Keyring.create(k(1, 20)), {
      code: 'HEARSAY_ERR_CONFIG_INVALID',
      message: /keyring\.primary/,
    });
    assert.throws(() => Keyring.create(k(1), [k(2, 31)]), { message: /keyring\.keys\[0\]/ });
  });

  test('install appends (no-op if present), use moves to the front, remove refuses the primary', () => {
    const ring = Keyring.create(k(1)).install(k(2)).install(k(3)).install(k(2));
    assert.deepEqual(ring.keys, [k(1), k(2), k(3)]);
    const used = ring.use(k(3));
    assert.deepEqual(used.keys, [k(3), k(1), k(2)], 'the others keep their order');
    assert.deepEqual(used.remove(k(1)).keys, [k(3), k(2)]);
    assert.deepEqual(used.remove(k(9)).keys, used.keys, 'removing an unknown key is a no-op');
    assert.throws(() => used.remove(k(3)), { message: /primary/ });
    assert.throws(() => used.use(k(9)), { message: /not in the keyring/ });
    assert.deepEqual(ring.keys, [k(1), k(2), k(3)], 'keyrings are immutable values');
  });

  test('keys from base64 as `serf keygen` prints them', () => {
    const key = keyFromBase64('cLhna1grCk2ALS7C0u/ajXy9k58YyUcRPT+GAuSSajI=');
    assert.equal(
      Buffer.from(key).toString('hex'),
      '70b8676b582b0a4d802d2ec2d2efda8d7cbd939f18c947113d3f8602e4926a32',
    );
    assert.throws(() => keyFromBase64('not base64!'), { code: 'HEARSAY_ERR_CONFIG_INVALID' });
    assert.throws(() => keyFromBase64('AAAA'), { message: /16, 24 or 32/ });
  });
});
