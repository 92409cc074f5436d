/**
 * UDP packet decoding under hostile input: every limit of `MemberlistLimits` that applies
 * to packets, the CRC check, the compound and compress containers, field validation, and
 * the label prefix. Captured traffic is covered by capture.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compoundOf, finishPacket } from '../../../src/membership/swim/packets.ts';
import { addLabel, removeLabel } from '../../../src/membership/wire/framing.ts';
import {
  DEFAULT_MEMBERLIST_LIMITS as LIMITS,
  memberlistLimits,
} from '../../../src/membership/wire/limits.ts';
import { lzwCompress } from '../../../src/membership/wire/lzw.ts';
import type { Alive, Packet, PacketMessage } from '../../../src/membership/wire/messages.ts';
import {
  decodePacket,
  encodePacket,
  encodePacketMessage,
} from '../../../src/membership/wire/packet-codec.ts';
import { fromHex, toHex } from './fixtures.ts';

const nack = (seqNo: number): PacketMessage => ({ type: 'nack', seqNo });
const alive: Alive = {
  type: 'alive',
  incarnation: 1,
  node: 'a',
  addr: Uint8Array.of(127, 0, 0, 1),
  port: 7946,
  meta: Uint8Array.of(0xff, 0x80),
  vsn: [1, 5, 2, 2, 5, 5],
};

/** A compress message around arbitrary bytes (not necessarily a valid message). */
function compressOf(inner: Uint8Array, algo = 0): Uint8Array {
  const buf = lzwCompress(inner);
  const head = fromHex(`0982a4416c676f${algo.toString(16).padStart(2, '0')}a3427566`);
  const len =
    buf.length < 32
      ? Uint8Array.of(0xa0 | buf.length)
      : Uint8Array.of(0xda, buf.length >> 8, buf.length & 0xff);
  return Uint8Array.from([...head, ...len, ...buf]);
}

function compound(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [7, parts.length];
  for (const p of parts) out.push(p.length >> 8, p.length & 0xff);
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}

describe('packet framing', () => {
  test('hasCrc: the checksum is verified, and a mismatch is DECODE_CHECKSUM', () => {
    const bytes = encodePacket({ type: 'hasCrc', message: nack(23) });
    assert.deepEqual(decodePacket(bytes, LIMITS), { type: 'hasCrc', message: nack(23) });
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1]! ^= 1;
    assert.throws(() => decodePacket(corrupt, LIMITS), { code: 'HEARSAY_ERR_DECODE_CHECKSUM' });
    assert.throws(() => decodePacket(bytes.subarray(0, 4), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });

  test('hasCrc is only valid outermost; stream-only types are refused in packets', () => {
    const nested = compound([encodePacket({ type: 'hasCrc', message: nack(1) })]);
    assert.throws(() => decodePacket(nested, LIMITS), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    for (const type of [6, 10, 13, 244]) {
      assert.throws(() => decodePacket(Uint8Array.of(type, 0x80), LIMITS), {
        code: 'HEARSAY_ERR_DECODE_MALFORMED',
      });
    }
    assert.throws(() => decodePacket(Uint8Array.of(14, 0x80), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
    });
    assert.throws(() => decodePacket(new Uint8Array(0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });

  test('a packet over packetBytesMax is refused before parsing', () => {
    const big = new Uint8Array(LIMITS.packetBytesMax + 1);
    big[0] = 8;
    assert.throws(() => decodePacket(big, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /packetBytesMax/,
    });
    assert.equal(decodePacket(big.subarray(0, LIMITS.packetBytesMax), LIMITS).type, 'user');
  });

  test('compound: parts, limits, truncation, empty parts and trailing bytes', () => {
    const parts = [encodePacketMessage(nack(1)), encodePacketMessage(alive)];
    assert.deepEqual(decodePacket(compound(parts), LIMITS), {
      type: 'compound',
      parts: [nack(1), alive],
    });
    assert.deepEqual(decodePacket(compound([]), LIMITS), { type: 'compound', parts: [] });
    const many = compound(Array.from({ length: 128 }, () => encodePacketMessage(nack(1))));
    assert.throws(() => decodePacket(many, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /compoundPartsMax/,
    });
    const bytes = compound(parts);
    assert.throws(() => decodePacket(bytes.subarray(0, bytes.length - 1), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => decodePacket(bytes.subarray(0, 4), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => decodePacket(compound([new Uint8Array(0)]), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
      message: /empty part/,
    });
    assert.throws(() => decodePacket(Uint8Array.from([...bytes, 0]), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('compound encoding refuses what would break a Go receiver (> 127 parts)', () => {
    const parts = Array.from({ length: 128 }, () => nack(1));
    assert.throws(() => encodePacket({ type: 'compound', parts }), { name: 'AssertionError' });
    assert.equal(encodePacket({ type: 'compound', parts: parts.slice(1) })[1], 127);
  });

  test('values outside their Go types cannot be encoded: our bug, caught before sending', () => {
    assert.throws(() => encodePacket({ ...alive, port: 70000 }), { name: 'AssertionError' });
    assert.throws(() => encodePacket({ ...alive, incarnation: 2 ** 32 }), {
      name: 'AssertionError',
    });
    assert.throws(() => encodePacket({ ...alive, vsn: [1, 5, 2, 2, 5, 256] }), {
      name: 'AssertionError',
    });
    assert.throws(() => encodePacket(nack(-1)), { name: 'AssertionError' });
  });

  test('compress: round trip, unknown algorithm, trailing bytes, nesting depth', () => {
    const m: PacketMessage = {
      type: 'compress',
      message: { type: 'compound', parts: [nack(1), alive] },
    };
    assert.deepEqual(decodePacket(encodePacket(m), LIMITS), m);
    assert.throws(() => decodePacket(compressOf(encodePacketMessage(nack(1)), 1), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
      message: /algorithm/,
    });
    let deep: PacketMessage = nack(1);
    for (let i = 0; i < LIMITS.nestingDepthMax; i++) deep = { type: 'compress', message: deep };
    assert.deepEqual(decodePacket(encodePacket(deep), LIMITS), deep);
    const tooDeep: PacketMessage = { type: 'compress', message: deep };
    assert.throws(() => decodePacket(encodePacket(tooDeep), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /nestingDepthMax/,
    });
  });

  test('a decompression bomb spread over compound parts hits one packet-wide budget', () => {
    // Each part inflates to 40 KiB of user bytes: one fits the 64 KiB budget, two do not.
    const inflated = new Uint8Array(40 * 1024);
    inflated[0] = 8;
    const part = compressOf(inflated);
    assert.ok(part.length < 1024, 'the compressed part is small');
    assert.equal(decodePacket(compound([part]), LIMITS).type, 'compound');
    assert.throws(() => decodePacket(compound([part, part]), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });

  test('field checks: addresses are 4 or 16 bytes, Vsn 6, meta within metaBytesMax', () => {
    const bad = (patch: Partial<Alive>) => encodePacket({ ...alive, ...patch });
    assert.throws(() => decodePacket(bad({ addr: Uint8Array.of(1, 2, 3, 4, 5) }), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
      message: /4 or 16/,
    });
    assert.throws(() => decodePacket(bad({ addr: new Uint8Array(0) }), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodePacket(bad({ vsn: [1, 5, 2] as never }), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
      message: /Vsn/,
    });
    assert.throws(() => decodePacket(bad({ meta: new Uint8Array(513) }), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /metaBytesMax/,
    });
    assert.equal(decodePacket(bad({ meta: new Uint8Array(512) }), LIMITS).type, 'alive');
    assert.throws(() => decodePacket(bad({ node: 'x'.repeat(513) }), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /nameBytesMax/,
    });
  });

  test('a tighter limits object tightens decoding', () => {
    const tight = memberlistLimits({ compoundPartsMax: 1 });
    const two = compound([encodePacketMessage(nack(1)), encodePacketMessage(nack(2))]);
    assert.throws(() => decodePacket(two, tight), { code: 'HEARSAY_ERR_DECODE_OVERSIZE' });
  });
});

describe('label header', () => {
  test('added in front, removed again; the empty label adds nothing', () => {
    const packet = encodePacketMessage(nack(1));
    const labelled = addLabel(packet, 'cluster-a');
    assert.equal(toHex(labelled.subarray(0, 2)), 'f409');
    assert.deepEqual(removeLabel(labelled), { label: 'cluster-a', rest: packet });
    assert.equal(addLabel(packet, ''), packet);
    assert.deepEqual(removeLabel(packet), { label: '', rest: packet });
  });

  test('an empty, cut-off or non-UTF-8 label header is refused', () => {
    assert.throws(() => removeLabel(Uint8Array.of(244, 0, 0)), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => removeLabel(Uint8Array.of(244)), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
    assert.throws(() => removeLabel(Uint8Array.of(244, 3, 0x61)), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => removeLabel(Uint8Array.of(244, 1, 0xff)), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('labels longer than 255 bytes cannot be sent', () => {
    assert.throws(() => addLabel(new Uint8Array(1), 'x'.repeat(256)), { name: 'AssertionError' });
  });
});

test('a compressed packet from finishPacket encodes to the bytes of the same packet built afresh (its remembered LZW output is the real one)', () => {
  const alive = (i: number): PacketMessage => ({
    type: 'alive',
    incarnation: i,
    node: `node-${i}`,
    addr: Uint8Array.of(10, 0, 0, i),
    port: 7946,
    meta: Uint8Array.of(0xff, 0x72, 0x6f, 0x6c, 0x65, 0, 0x77, 0x65, 0x62),
    vsn: [1, 5, 2, 2, 5, 5],
  });
  const parts = Array.from({ length: 12 }, (_, i) => alive(i));
  const finished = finishPacket(compoundOf(parts), true, true);
  assert.equal(finished.type, 'hasCrc');
  assert.equal(finished.type === 'hasCrc' && finished.message.type, 'compress');
  const afresh: Packet = {
    type: 'hasCrc',
    message: { type: 'compress', message: { type: 'compound', parts } },
  };
  assert.deepEqual(encodePacket(finished), encodePacket(afresh));
  assert.deepEqual(decodePacket(encodePacket(finished), LIMITS), afresh);
});
