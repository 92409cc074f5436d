/**
 * The codec against traffic of real Serf agents (Debian serf 0.9.4, memberlist 0.2.2).
 *
 * 1. Each indexed vector (v001-v077 of serf-capture.json) is found byte for byte in its pcap
 *    (checks the pcap reader), decodes (after decryption where encrypted) to exactly what
 *    the index says it holds, and re-encodes to the identical bytes.
 * 2. Every UDP datagram and every TCP stream of the five memberlist captures (741 in all)
 *    decodes, Serf payloads included, and re-encodes to the identical bytes; encrypted ones
 *    open with the key the rotation timeline predicts and re-seal identically with their own
 *    nonce.
 *
 * Where the format is not deterministic the test says so: AES-GCM nonces are random (we
 * re-seal with the captured nonce), and Go writes map-typed fields (tags, StatusLTimes) in
 * random order (our decoder keeps the wire order, so the bytes still match).
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RemoteError } from '../../../src/core/errors.ts';
import { DEFAULT_MEMBERLIST_LIMITS as LIMITS } from '../../../src/membership/wire/limits.ts';
import type { Packet, PacketMessage, Stream } from '../../../src/membership/wire/messages.ts';
import { decodePacket, encodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../../../src/membership/wire/serf/codec.ts';
import {
  decodePingPayload,
  encodePingPayload,
} from '../../../src/membership/wire/serf/coordinate.ts';
import { DEFAULT_SERF_LIMITS } from '../../../src/membership/wire/serf/limits.ts';
import { decodeTags, encodeTags } from '../../../src/membership/wire/serf/tags.ts';
import {
  decodeStream,
  encodeStream,
  streamMessageBytes,
} from '../../../src/membership/wire/stream-codec.ts';
import { Keyring } from '../../../src/net/security/keyring.ts';
import { openPacket, openStream, sealPacket, sealStream } from '../../../src/net/security/seal.ts';
import { packetView, streamView } from './capture-view.ts';
import {
  type CaptureVector,
  capture,
  captureKeyring,
  fromHex,
  key,
  MEMBERLIST_CAPTURES,
  memberlistVectors,
  toHex,
} from './fixtures.ts';

function vectorBytes(v: CaptureVector): Uint8Array {
  const c = capture(v.capture);
  if (v.transport === 'udp') {
    const d = c.udp.find((x) => x.frame === v.frame);
    assert.ok(d, `${v.id}: frame ${v.frame} not in ${v.capture}`);
    return d.payload;
  }
  const s = c.tcp[v.tcpStream!];
  assert.ok(s, `${v.id}: stream ${v.tcpStream} not in ${v.capture}`);
  // The dialer's side is the ephemeral port.
  const fromDialer = v.direction.split(' -> ')[0]!.includes(`:${s.client.port}`);
  return fromDialer ? s.clientBytes : s.serverBytes;
}

/** Re-encodes every Serf message, tag map and coordinate inside a packet; returns the count. */
function checkInnerLayers(m: PacketMessage | Stream, where: string): number {
  let checked = 0;
  const serf = (bytes: Uint8Array): void => {
    const s = decodeSerfMessage(bytes, DEFAULT_SERF_LIMITS);
    assert.equal(toHex(encodeSerfMessage(s)), toHex(bytes), `${where}: Serf ${s.type}`);
    checked++;
    if (s.type === 'query' && s.payload?.[0] === 7) serf(s.payload);
    if (s.type === 'queryResponse' && (s.payload?.[0] === 6 || s.payload?.[0] === 8))
      serf(s.payload);
  };
  const meta = (bytes: Uint8Array | null): void => {
    assert.ok(bytes !== null, `${where}: Serf nodes always send meta`);
    assert.equal(
      toHex(encodeTags(decodeTags(bytes, DEFAULT_SERF_LIMITS))),
      toHex(bytes),
      `${where}: tags`,
    );
    checked++;
  };
  switch (m.type) {
    case 'compress':
      return checkInnerLayers(m.message, where);
    case 'compound':
      for (const p of m.parts) checked += checkInnerLayers(p, where);
      return checked;
    case 'user':
      serf(m.payload);
      return checked;
    case 'alive':
      meta(m.meta);
      return checked;
    case 'pushPull':
      for (const n of m.nodes) meta(n.meta);
      serf(m.userState);
      return checked;
    case 'ack':
      if (m.payload !== null) {
        const c = decodePingPayload(m.payload, DEFAULT_SERF_LIMITS);
        assert.equal(toHex(encodePingPayload(c)), toHex(m.payload), `${where}: coordinate`);
        checked++;
      }
      return checked;
    default:
      return checked;
  }
}

describe('captured vectors (serf-capture.json)', () => {
  const vectors = memberlistVectors();

  test('the index holds 77 memberlist vectors, 26 of them encrypted', () => {
    assert.equal(vectors.length, 77);
    assert.equal(vectors.filter((v) => v.decoded.encryption !== undefined).length, 26);
  });

  for (const v of vectors) {
    test(`${v.id} ${v.transport} ${v.structure}`, () => {
      const wire = vectorBytes(v);
      assert.equal(toHex(wire), v.hex, 'pcap reader returns the indexed bytes');

      const encryption = v.decoded.encryption as Record<string, unknown> | undefined;
      let plaintext = wire;
      if (encryption !== undefined) {
        const opened =
          v.transport === 'udp'
            ? openPacket(captureKeyring(), wire)
            : openStream(captureKeyring(), wire, LIMITS);
        plaintext = opened.plaintext;
        assert.equal(toHex(plaintext), encryption.plaintextHex);
        assert.equal(opened.version, encryption.version);
        assert.equal(
          opened.keyIndex,
          v.keyUsed === 'key2' ? 1 : 0,
          'opened with the key the index names',
        );
        // Nonces are random: re-seal with the captured one and the key the sender used.
        const sender = Keyring.create(key(v.keyUsed ?? 'key1'));
        const nonceAt = v.transport === 'udp' ? 1 : 6;
        const nonce = wire.subarray(nonceAt, nonceAt + 12);
        assert.equal(toHex(nonce), encryption.nonce);
        const resealed =
          v.transport === 'udp'
            ? sealPacket(sender, plaintext, { nonce })
            : sealStream(sender, plaintext, { nonce });
        assert.equal(toHex(resealed), v.hex, 're-sealed identically');
      }

      if (v.transport === 'udp') {
        const packet: Packet = decodePacket(plaintext, LIMITS);
        assert.deepEqual(packetView(packet), v.decoded.message);
        assert.equal(toHex(encodePacket(packet)), toHex(plaintext), 're-encoded identically');
        checkInnerLayers(packet.type === 'hasCrc' ? packet.message : packet, v.id);
      } else {
        assert.equal(streamMessageBytes(wire, LIMITS), wire.length, 'framing finds the end');
        const stream = decodeStream(plaintext, LIMITS);
        const { encryption: _, ...expected } = v.decoded;
        assert.deepEqual(streamView(stream), expected);
        assert.equal(toHex(encodeStream(stream)), toHex(plaintext), 're-encoded identically');
        checkInnerLayers(stream, v.id);
      }
    });
  }
});

describe('every packet and stream of the memberlist captures', () => {
  // The encrypted capture rotates key1 → key2: before `keys -use` packets are sealed with key1,
  // after it with key2; opening tries both, primary (key1) first.
  const expected: Record<string, { udp: number; tcpSides: number; keyIndexes?: number[] }> = {
    'serf-plain.pcap': { udp: 353, tcpSides: 24 },
    'serf-encrypted.pcap': { udp: 108, tcpSides: 2, keyIndexes: [0, 1] },
    'serf-extra.pcap': { udp: 248, tcpSides: 6 },
    'harness-join-plain.pcap': { udp: 23, tcpSides: 8 },
    'harness-join-encrypted.pcap': { udp: 22, tcpSides: 8, keyIndexes: [0] },
  };

  for (const name of MEMBERLIST_CAPTURES) {
    test(`${name}: decodes and re-encodes byte-identically`, () => {
      const c = capture(name);
      const exp = expected[name]!;
      const encrypted = exp.keyIndexes !== undefined;
      const keyIndexes = new Set<number>();
      let inner = 0;
      assert.equal(c.udp.length, exp.udp);
      for (const d of c.udp) {
        const where = `${name} frame ${d.frame}`;
        let plaintext = d.payload;
        if (encrypted) {
          const opened = openPacket(captureKeyring(), d.payload);
          keyIndexes.add(opened.keyIndex);
          plaintext = opened.plaintext;
          const sender = Keyring.create(captureKeyring().keys[opened.keyIndex]!);
          const resealed = sealPacket(sender, plaintext, { nonce: d.payload.subarray(1, 13) });
          assert.equal(toHex(resealed), toHex(d.payload), `${where}: re-sealed`);
        }
        const packet = decodePacket(plaintext, LIMITS);
        assert.equal(toHex(encodePacket(packet)), toHex(plaintext), where);
        inner += checkInnerLayers(packet.type === 'hasCrc' ? packet.message : packet, where);
      }
      let sides = 0;
      for (const s of c.tcp) {
        for (const bytes of [s.clientBytes, s.serverBytes]) {
          // Connections to a killed agent were refused: nothing was written.
          if (bytes.length === 0) continue;
          const where = `${name} stream ${s.index}`;
          if (name === 'harness-join-plain.pcap' && bytes[0] === 10) {
            // The harness sent a bogus encrypt frame (`0a 00000005 "hello"`) to a plaintext
            // agent, which answered with an err (v075). It must not decode.
            assert.equal(toHex(bytes), `0a00000005${toHex(new TextEncoder().encode('hello'))}`);
            assert.throws(() => decodeStream(bytes, LIMITS), {
              code: 'HEARSAY_ERR_DECODE_MALFORMED',
            });
            assert.throws(() => openStream(captureKeyring(), bytes, LIMITS), {
              code: 'HEARSAY_ERR_DECODE_VERSION',
            });
            sides++;
            continue;
          }
          assert.equal(
            streamMessageBytes(bytes, LIMITS),
            bytes.length,
            `${where}: one message per side`,
          );
          let plaintext = bytes;
          if (bytes[0] === 10) {
            const opened = openStream(captureKeyring(), bytes, LIMITS);
            keyIndexes.add(opened.keyIndex);
            plaintext = opened.plaintext;
            const resealed = sealStream(captureKeyring(), plaintext, {
              nonce: bytes.subarray(6, 18),
            });
            assert.equal(toHex(resealed), toHex(bytes), `${where}: re-sealed`);
          }
          const stream = decodeStream(plaintext, LIMITS);
          assert.equal(toHex(encodeStream(stream)), toHex(plaintext), where);
          inner += checkInnerLayers(stream, where);
          sides++;
        }
      }
      assert.equal(sides, exp.tcpSides);
      assert.ok(inner > 0, 'Serf payloads were checked');
      if (encrypted) assert.deepEqual([...keyIndexes].sort(), exp.keyIndexes);
    });
  }

  test('a plaintext stream sent to an encrypted agent is still a valid plaintext stream', () => {
    // harness-join-encrypted: the harness sent an unencrypted ping; the agent answered err (v076).
    const c = capture('harness-join-encrypted.pcap');
    const plain = c.tcp.flatMap((s) => [s.clientBytes]).filter((b) => b.length > 0 && b[0] !== 10);
    assert.equal(plain.length, 1);
    const s = decodeStream(plain[0]!, LIMITS);
    assert.equal(s.type === 'compress' ? s.message.type : s.type, 'ping');
    assert.throws(() => openStream(captureKeyring(), plain[0]!, LIMITS), RemoteError);
  });

  test('a vector decrypted with the wrong key fails with DECRYPT_FAILED', () => {
    const v = memberlistVectors().find((x) => x.id === 'v035')!;
    const wrong = Keyring.create(key('key2'));
    assert.throws(() => openPacket(wrong, fromHex(v.hex)), { code: 'HEARSAY_ERR_DECRYPT_FAILED' });
  });
});
