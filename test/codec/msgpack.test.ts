import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { packMsgpack, scanMsgpack, unpackMsgpack } from '../../src/codec/msgpack.ts';
import { type ErrorCode, RemoteError } from '../../src/core/errors.ts';

const limits = { bytesMax: 1000, depthMax: 4 };
const raw = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const dropsWith = (code: ErrorCode) => (e: unknown) => e instanceof RemoteError && e.code === code;

test('plain values round-trip through pack and the guarded unpack', () => {
  const values = [
    0,
    1,
    -1,
    2 ** 40,
    1.5,
    'héllo',
    true,
    false,
    null,
    [1, [2, [3]]],
    { a: 1, b: 'x' },
  ];
  for (const v of values) assert.deepEqual(unpackMsgpack(packMsgpack(v), limits), v);
  assert.deepEqual(
    [...(unpackMsgpack(packMsgpack(new Uint8Array([1, 2])), limits) as Uint8Array)],
    [1, 2],
  );
});

test('the byte limit is checked before anything is parsed', () => {
  // Garbage that would be MALFORMED, but too big first.
  assert.throws(
    () => unpackMsgpack(new Uint8Array(1001).fill(0xc1), limits),
    dropsWith('HEARSAY_ERR_DECODE_OVERSIZE'),
  );
});

const table: [string, Uint8Array, ErrorCode][] = [
  ['empty', raw(), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  [
    'array32 of 2^32-1 in 5 bytes',
    raw(0xdd, 0xff, 0xff, 0xff, 0xff),
    'HEARSAY_ERR_DECODE_TRUNCATED',
  ],
  ['map32 of 2^31 pairs', raw(0xdf, 0x80, 0, 0, 0), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['array16 length field cut off', raw(0xdc, 0x01), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['fixarray missing elements', raw(0x93, 1, 2), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['str8 longer than the input', raw(0xd9, 10, 0x61), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['bin32 of 4 GiB', raw(0xc6, 0xff, 0xff, 0xff, 0xff), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['float64 cut off', raw(0xcb, 0, 0), 'HEARSAY_ERR_DECODE_TRUNCATED'],
  ['trailing byte', raw(0x01, 0x02), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['two top-level values', raw(0x90, 0x90), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['reserved 0xc1', raw(0xc1), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['fixext1', raw(0xd4, 0x01, 0x00), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['ext8 (msgpackr typed array)', raw(0xc7, 0x02, 0x74, 0, 0), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['timestamp ext', raw(0xd6, 0xff, 0, 0, 0, 0), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['invalid UTF-8 in a string', raw(0xa2, 0xc3, 0x28), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['invalid UTF-8 in a map key', raw(0x81, 0xa1, 0xff, 0x01), 'HEARSAY_ERR_DECODE_MALFORMED'],
  ['nesting depth 5 > 4', raw(0x91, 0x91, 0x91, 0x91, 0x91, 0x01), 'HEARSAY_ERR_DECODE_OVERSIZE'],
];
for (const [name, bytes, code] of table) {
  test(`${name} → ${code}`, () =>
    assert.throws(() => unpackMsgpack(bytes, limits), dropsWith(code)));
}

test('empty containers do not count towards depth; depth exactly at the limit passes', () => {
  assert.doesNotThrow(() => scanMsgpack(raw(0x91, 0x91, 0x91, 0x91, 0x90), 4));
  assert.doesNotThrow(() => scanMsgpack(raw(0x91, 0x91, 0x91, 0x91, 0x01), 4));
});

test('hostile nesting cannot overflow the stack', () => {
  const deep = new Uint8Array(100_000).fill(0x91);
  assert.throws(() => scanMsgpack(deep, 1_000_000), dropsWith('HEARSAY_ERR_DECODE_TRUNCATED'));
});

test('scan accepts exactly what pack writes, for arbitrary JSON-like values', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
      const bytes = packMsgpack(v);
      scanMsgpack(bytes, 10);
      assert.deepEqual(
        unpackMsgpack(bytes, { bytesMax: 1e6, depthMax: 10 }),
        JSON.parse(JSON.stringify(v)),
      );
    }),
    { seed: 42, numRuns: 300 },
  );
});

test('random bytes: unpack returns or throws RemoteError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        unpackMsgpack(b, limits);
      } catch (e) {
        assert.ok(e instanceof RemoteError, String(e));
      }
    }),
    { seed: 42, numRuns: 2000 },
  );
});
