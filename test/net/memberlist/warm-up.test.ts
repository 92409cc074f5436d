/**
 * The start-up warm-up round-trips its made-up push/pull and gossip packet through the real
 * stream and datagram pipelines (msgpack, LZW, CRC, and the seal when a keyring is set), so it
 * exercises what the first real ones run (host.test.ts starts hosts whose stream limit is below its size).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_ENCRYPTION } from '../../../src/net/memberlist/envelope.ts';
import {
  WARM_UP_MEMBERS,
  WARM_UP_PACKET_PARTS,
  warmUpStreamCodec,
} from '../../../src/net/memberlist/warm-up.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';

describe('warmUpStreamCodec', () => {
  it('round-trips every made-up member in plaintext', () => {
    assert.deepEqual(warmUpStreamCodec(NO_ENCRYPTION), {
      streamMembers: WARM_UP_MEMBERS,
      packetParts: WARM_UP_PACKET_PARTS,
    });
  });

  it('round-trips them sealed and opened with the keyring', () => {
    const security = { ...NO_ENCRYPTION, keyring: Keyring.create(new Uint8Array(32).fill(7)) };
    assert.deepEqual(warmUpStreamCodec(security), {
      streamMembers: WARM_UP_MEMBERS,
      packetParts: WARM_UP_PACKET_PARTS,
    });
  });
});
