/**
 * memberlist's AES-GCM sealing, beyond the captured packets (capture.test.ts opens and
 * re-seals all of those): both encryption versions, key sizes, labels as associated data,
 * key rotation, and every way opening can fail.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RemoteError } from '../../../src/core/errors.ts';
import { DEFAULT_MEMBERLIST_LIMITS as LIMITS } from '../../../src/membership/wire/limits.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';
import {
  encryptionOverheadBytes,
  openPacket,
  openStream,
  sealedBytes,
  sealPacket,
  sealStream,
} from '../../../src/net/security/seal.ts';

const k = (fill: number, bytes = 32) => new Uint8Array(bytes).fill(fill);
const msg = new TextEncoder().encode('a memberlist packet');
const nonce = new Uint8Array(12).fill(7);

describe('sealing', () => {
  test('version 1: vsn | nonce | ciphertext | tag, 29 bytes of overhead', () => {
    const sealed = sealPacket(Keyring.create(k(1)), msg, { nonce });
    assert.equal(sealed.length, msg.length + 29);
    assert.equal(sealed[0], 1);
    assert.deepEqual(sealed.subarray(1, 13), nonce);
    assert.equal(encryptionOverheadBytes(1), 29);
    const opened = openPacket(Keyring.create(k(1)), sealed);
    assert.deepEqual(opened, { plaintext: msg, keyIndex: 0, version: 1 });
  });

  test('version 0: PKCS#7 padding to 16 bytes, always 1..16 pad bytes', () => {
    for (const n of [0, 1, 15, 16, 17]) {
      const m = new Uint8Array(n).fill(0xab);
      const sealed = sealPacket(Keyring.create(k(1)), m, { version: 0, nonce });
      assert.equal(sealed.length, sealedBytes(0, n));
      assert.equal(sealed.length, 1 + 12 + (Math.floor(n / 16) + 1) * 16 + 16);
      assert.ok(sealed.length - n <= encryptionOverheadBytes(0));
      const opened = openPacket(Keyring.create(k(1)), sealed);
      assert.equal(opened.version, 0);
      assert.deepEqual(opened.plaintext, m);
    }
  });

  test('AES-128, -192 and -256 keys all work', () => {
    for (const bytes of [16, 24, 32]) {
      const ring = Keyring.create(k(3, bytes));
      assert.deepEqual(openPacket(ring, sealPacket(ring, msg)).plaintext, msg);
    }
  });

  test('fresh random nonces by default', () => {
    const ring = Keyring.create(k(1));
    const a = sealPacket(ring, msg);
    const b = sealPacket(ring, msg);
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  });

  test('streams: 0a | length | sealed, the header authenticated', () => {
    const ring = Keyring.create(k(1));
    const frame = sealStream(ring, msg, { nonce });
    assert.equal(frame[0], 10);
    assert.equal(new DataView(frame.buffer).getUint32(1), msg.length + 29);
    assert.deepEqual(openStream(ring, frame, LIMITS).plaintext, msg);
    // A forged length field fails authentication even when the frame is consistent.
    const v0 = sealStream(ring, msg, { nonce, version: 0 });
    assert.deepEqual(openStream(ring, v0, LIMITS).plaintext, msg);
  });
});

describe('opening', () => {
  test('tries every key, primary first, and reports which one worked (key rotation)', () => {
    const old = Keyring.create(k(1));
    const rotated = Keyring.create(k(1)).install(k(2)).use(k(2));
    assert.equal(openPacket(rotated, sealPacket(old, msg)).keyIndex, 1);
    assert.equal(openPacket(rotated, sealPacket(rotated, msg)).keyIndex, 0);
    assert.throws(() => openPacket(old, sealPacket(rotated, msg)), {
      name: 'RemoteError',
      code: 'HEARSAY_ERR_DECRYPT_FAILED',
    });
  });

  test('labels are associated data: a packet cannot cross into another labelled cluster', () => {
    const ring = Keyring.create(k(1));
    const labelled = sealPacket(ring, msg, { label: 'blue' });
    assert.deepEqual(openPacket(ring, labelled, 'blue').plaintext, msg);
    assert.throws(() => openPacket(ring, labelled, 'green'), {
      code: 'HEARSAY_ERR_DECRYPT_FAILED',
    });
    assert.throws(() => openPacket(ring, labelled), { code: 'HEARSAY_ERR_DECRYPT_FAILED' });
    const frame = sealStream(ring, msg, { label: 'blue' });
    assert.deepEqual(openStream(ring, frame, LIMITS, 'blue').plaintext, msg);
    assert.throws(() => openStream(ring, frame, LIMITS), { code: 'HEARSAY_ERR_DECRYPT_FAILED' });
  });

  test('tampering anywhere fails authentication', () => {
    const ring = Keyring.create(k(1));
    const sealed = sealPacket(ring, msg, { nonce });
    for (let i = 1; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x40;
      assert.throws(
        () => openPacket(ring, bad),
        { code: 'HEARSAY_ERR_DECRYPT_FAILED' },
        `byte ${i}`,
      );
    }
    const frame = sealStream(ring, msg, { nonce });
    // The header is associated data: the sealed part alone does not open as a packet.
    assert.throws(() => openPacket(ring, frame.subarray(5)), {
      code: 'HEARSAY_ERR_DECRYPT_FAILED',
    });
    const badType = frame.slice();
    badType[0] = 11;
    assert.throws(() => openStream(ring, badType, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('unknown versions, short inputs and bad version-0 padding are typed errors', () => {
    const ring = Keyring.create(k(1));
    const sealed = sealPacket(ring, msg, { nonce });
    const v2 = sealed.slice();
    v2[0] = 2;
    assert.throws(() => openPacket(ring, v2), { code: 'HEARSAY_ERR_DECODE_VERSION' });
    assert.throws(() => openPacket(ring, new Uint8Array(0)), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => openPacket(ring, sealed.subarray(0, 28)), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    const v0Short = new Uint8Array(44);
    assert.throws(() => openPacket(ring, v0Short), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
    // The version byte is outside the authenticated data (as in Go): a version-1 seal of 16
    // bytes ending in 0, relabelled version 0, authenticates and then has invalid padding.
    // Go would slice out of range there; we refuse it.
    const relabelled = sealPacket(ring, new Uint8Array(16), { nonce });
    relabelled[0] = 0;
    assert.throws(() => openPacket(ring, relabelled), {
      code: 'HEARSAY_ERR_DECRYPT_FAILED',
      message: /padding/,
    });
  });

  test('anything that is not a valid seal fails with a RemoteError (property, fixed seed)', () => {
    const ring = Keyring.create(k(1), [k(2, 16)]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          openPacket(ring, bytes);
          return false;
        } catch (e) {
          return e instanceof RemoteError;
        }
      }),
      { seed: 4242, numRuns: 300 },
    );
  });
});
