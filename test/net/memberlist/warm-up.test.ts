/**
 * The start-up warm-up round-trips its made-up push/pull through the real stream pipeline
 * (msgpack, LZW, and the seal when a keyring is set), so it exercises what a first real
 * push/pull runs (host.test.ts starts hosts whose stream limit is below its size).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_ENCRYPTION } from '../../../src/net/memberlist/envelope.ts';
import { WARM_UP_MEMBERS, warmUpStreamCodec } from '../../../src/net/memberlist/warm-up.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';

describe('warmUpStreamCodec', () => {
  it('round-trips every made-up member in plaintext', () => {
    assert.equal(warmUpStreamCodec(NO_ENCRYPTION), WARM_UP_MEMBERS);
  });

  it('round-trips them sealed and opened with the keyring', () => {
    const security = { ...NO_ENCRYPTION, keyring: Keyring.create(new Uint8Array(32).fill(7)) };
    assert.equal(warmUpStreamCodec(security), WARM_UP_MEMBERS);
  });
});
