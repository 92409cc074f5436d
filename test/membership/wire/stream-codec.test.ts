/**
 * TCP stream messages under hostile input, and the incremental framing a host uses to find
 * the end of a message while bytes arrive.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { writeCompressBody } from '../../../src/membership/wire/bodies.ts';
import { readEncryptFrame } from '../../../src/membership/wire/framing.ts';
import { GoMsgpackWriter } from '../../../src/membership/wire/go-msgpack-writer.ts';
import {
  DEFAULT_MEMBERLIST_LIMITS as LIMITS,
  memberlistLimits,
} from '../../../src/membership/wire/limits.ts';
import { lzwCompress } from '../../../src/membership/wire/lzw.ts';
import type { PushPull, StreamMessage } from '../../../src/membership/wire/messages.ts';
import {
  decodeStream,
  encodeStream,
  streamMessageBytes,
} from '../../../src/membership/wire/stream-codec.ts';
import { fromHex, memberlistVectors } from './fixtures.ts';

const pushPull: PushPull = {
  type: 'pushPull',
  join: false,
  nodes: [
    {
      name: 'a',
      addr: Uint8Array.of(127, 0, 0, 1),
      port: 7946,
      meta: Uint8Array.of(0xff, 0x80),
      incarnation: 3,
      state: 0,
      vsn: [1, 5, 2, 2, 5, 5],
    },
  ],
  userState: Uint8Array.of(2, 0x80),
};

/** A push/pull header claiming `nodes` states and `userState` bytes, nothing after it. */
function header(nodes: number, userState: number): Uint8Array {
  const w = new GoMsgpackWriter();
  w.byte(6);
  w.mapHeader(3);
  w.string('Join');
  w.bool(false);
  w.string('Nodes');
  w.int(nodes);
  w.string('UserStateLen');
  w.int(userState);
  return w.finish();
}

describe('stream messages', () => {
  test('round trips of each stream type, plain and compressed', () => {
    const all: StreamMessage[] = [
      pushPull,
      {
        type: 'ping',
        seqNo: 1,
        node: 'b',
        sourceAddr: new Uint8Array(0),
        sourcePort: 0,
        sourceNode: '',
      },
      { type: 'ack', seqNo: 1, payload: null },
      { type: 'err', error: 'nope' },
      { type: 'user', payload: Uint8Array.of(1, 2, 3) },
    ];
    for (const m of all) {
      assert.deepEqual(decodeStream(encodeStream(m), LIMITS), m);
      const c = { type: 'compress', message: m } as const;
      assert.deepEqual(decodeStream(encodeStream(c), LIMITS), c);
    }
  });

  test('push/pull counts are checked against their limits before the loop', () => {
    const tooMany = header(LIMITS.pushPullNodesMax + 1, 0);
    assert.throws(() => decodeStream(tooMany, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /pushPullNodesMax/,
    });
    const tooBig = header(0, LIMITS.userStateBytesMax + 1);
    assert.throws(() => decodeStream(tooBig, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /userStateBytesMax/,
    });
    // Within the limits but more than the bytes present: TRUNCATED, without allocating.
    assert.throws(() => decodeStream(header(60000, 0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => decodeStream(header(0, 1 << 20), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });

  test('negative counts and bytes after the message are MALFORMED', () => {
    assert.throws(() => decodeStream(header(-1, 0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodeStream(header(0, -5), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    const bytes = encodeStream(pushPull);
    assert.throws(() => decodeStream(Uint8Array.from([...bytes, 0]), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('compression: one level only, bounded by streamDecompressedBytesMax', () => {
    const inner = encodeStream({ type: 'compress', message: { type: 'err', error: 'x' } });
    const w = new GoMsgpackWriter();
    w.byte(9);
    writeCompressBody(w, 0, lzwCompress(inner));
    const twice = w.finish();
    assert.throws(() => decodeStream(twice, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
      message: /compress inside/,
    });
    const big = encodeStream({
      type: 'compress',
      message: { type: 'user', payload: new Uint8Array(100_000) },
    });
    assert.throws(
      () => decodeStream(big, memberlistLimits({ streamDecompressedBytesMax: 50_000 })),
      {
        code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      },
    );
  });

  test('types that never travel on a stream are refused; encrypted streams must be opened first', () => {
    for (const type of [1, 3, 4, 5, 7, 11, 12, 244]) {
      assert.throws(() => decodeStream(Uint8Array.of(type, 0x80), LIMITS), {
        code: 'HEARSAY_ERR_DECODE_MALFORMED',
      });
    }
    assert.throws(() => decodeStream(fromHex('0a00000001ff'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodeStream(Uint8Array.of(99), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
    });
    assert.throws(() => decodeStream(new Uint8Array(LIMITS.streamBytesMax + 1), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });

  test('user messages on a stream carry their own length header', () => {
    const bytes = encodeStream({ type: 'user', payload: Uint8Array.of(9, 9) });
    assert.deepEqual(
      [...bytes.subarray(0, 13)],
      [...fromHex('0881aa557365724d73674c656e02')].slice(0, 13),
    );
    const tight = memberlistLimits({ streamUserMsgBytesMax: 1 });
    assert.throws(() => decodeStream(bytes, tight), { code: 'HEARSAY_ERR_DECODE_OVERSIZE' });
  });
});

describe('streamMessageBytes (incremental framing)', () => {
  const streams = memberlistVectors().filter((v) => v.transport === 'tcp');

  test('undefined for every proper prefix of a captured stream, the length once complete', () => {
    for (const v of streams) {
      const bytes = fromHex(v.hex);
      for (let n = 0; n < bytes.length; n++) {
        assert.equal(
          streamMessageBytes(bytes.subarray(0, n), LIMITS),
          undefined,
          `${v.id} prefix ${n}`,
        );
      }
      assert.equal(streamMessageBytes(bytes, LIMITS), bytes.length, v.id);
      const more = Uint8Array.from([...bytes, 1, 2, 3]);
      assert.equal(streamMessageBytes(more, LIMITS), bytes.length, `${v.id}: stops at the end`);
    }
  });

  test('bytes that can never become a message are refused at once', () => {
    assert.throws(() => streamMessageBytes(Uint8Array.of(77), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
    });
    assert.throws(() => streamMessageBytes(fromHex('00c1'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => streamMessageBytes(fromHex('0a7fffffff'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /streamBytesMax/,
    });
    const tight = memberlistLimits({ streamBytesMax: 16 });
    assert.throws(() => streamMessageBytes(new Uint8Array(16).fill(0xda, 1).fill(0, 0, 1), tight), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });
});

describe('encrypt frame header', () => {
  test('length checked against streamBytesMax, frame must be exact', () => {
    assert.throws(() => readEncryptFrame(fromHex('0a7fffffff00'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
    assert.throws(() => readEncryptFrame(fromHex('0a000000'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => readEncryptFrame(fromHex('0a0000000201'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => readEncryptFrame(fromHex('0a00000001010203'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => readEncryptFrame(fromHex('0b00000001'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    const { header, sealed } = readEncryptFrame(fromHex('0a000000020102'), LIMITS);
    assert.deepEqual([...header], [10, 0, 0, 0, 2]);
    assert.deepEqual([...sealed], [1, 2]);
  });
});
