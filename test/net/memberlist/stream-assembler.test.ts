/**
 * Stream assembly: messages split at every byte boundary come out whole, back-to-back
 * messages come out one by one, walks are amortised (not one per byte), and framing faults
 * and over-limit lengths are RemoteErrors.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_MEMBERLIST_LIMITS,
  memberlistLimits,
} from '../../../src/membership/wire/limits.ts';
import { encodeStream } from '../../../src/membership/wire/stream-codec.ts';
import { StreamAssembler } from '../../../src/net/memberlist/stream-assembler.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';
import { sealStream } from '../../../src/net/security/seal.ts';
import { ping, pushPull } from './echo-protocol.ts';

test('a message split at any point is assembled whole', () => {
  const bytes = encodeStream(pushPull(true, new Uint8Array(100).fill(7)));
  for (let cut = 1; cut < bytes.length; cut++) {
    const a = new StreamAssembler(DEFAULT_MEMBERLIST_LIMITS);
    a.append(bytes.subarray(0, cut));
    assert.equal(a.take(), undefined, `cut at ${cut}`);
    a.append(bytes.subarray(cut));
    assert.deepEqual(a.take(), bytes);
    assert.equal(a.bufferedBytes, 0);
  }
});

test('back-to-back messages (plaintext and encrypt frames) come out one at a time', () => {
  const one = encodeStream(ping(1));
  const two = sealStream(Keyring.create(new Uint8Array(16)), encodeStream(ping(2)));
  const a = new StreamAssembler(DEFAULT_MEMBERLIST_LIMITS);
  a.append(new Uint8Array([...one, ...two, 0x00]));
  assert.deepEqual(a.take(), one);
  assert.deepEqual(a.take(), two);
  assert.equal(a.take(), undefined);
  assert.equal(a.bufferedBytes, 1);
});

test('walks are amortised: byte-by-byte arrival does not walk after every byte', () => {
  const bytes = encodeStream(pushPull(true, new Uint8Array(20_000)));
  const a = new StreamAssembler(DEFAULT_MEMBERLIST_LIMITS);
  let walks = 0;
  let got: Uint8Array | undefined;
  for (const byte of bytes) {
    a.append(new Uint8Array([byte]));
    if (a.walkDue()) {
      walks++;
      got = a.take();
    }
  }
  if (got === undefined) got = a.take();
  assert.deepEqual(got, bytes);
  assert.ok(walks < 120, `${walks} walks for ${bytes.length} bytes`);
});

test('an unknown type or an over-limit encrypt frame is a RemoteError', () => {
  const a = new StreamAssembler(DEFAULT_MEMBERLIST_LIMITS);
  a.append(new Uint8Array([0xee]));
  assert.throws(() => a.take(), { code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE' });
  const small = new StreamAssembler(memberlistLimits({ streamBytesMax: 100 }));
  small.append(new Uint8Array([0x0a, 0, 0, 1, 0]));
  assert.throws(() => small.take(), { code: 'HEARSAY_ERR_DECODE_OVERSIZE' });
});
