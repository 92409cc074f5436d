import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packMsgpack } from '../../src/codec/msgpack.ts';
import {
  MSGPACK_BOOL_BYTES,
  msgpackArrayHeaderBytes,
  msgpackBinBytes,
  msgpackStrArrayBytes,
  msgpackStrBytes,
  msgpackUintBytes,
} from '../../src/codec/sizes.ts';

// Each length class boundary of the MessagePack spec, compared with what msgpackr writes.
test('uint sizes match msgpackr at every boundary', () => {
  for (const n of [0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
    assert.equal(msgpackUintBytes(n), packMsgpack(n).length, `n=${n}`);
  }
});

test('string sizes match msgpackr at every boundary, counted in UTF-8 bytes', () => {
  for (const len of [0, 31, 32, 255, 256, 65_535, 65_536]) {
    const s = 'x'.repeat(len);
    assert.equal(msgpackStrBytes(s), packMsgpack(s).length, `len=${len}`);
  }
  // 11 chars but 33 bytes: must take the str8 header, not fixstr.
  const wide = '€'.repeat(11);
  assert.equal(msgpackStrBytes(wide), packMsgpack(wide).length);
  assert.equal(msgpackStrBytes(wide), 35);
});

test('bin sizes match msgpackr at every boundary', () => {
  for (const len of [0, 255, 256, 65_535, 65_536]) {
    assert.equal(msgpackBinBytes(len), packMsgpack(new Uint8Array(len)).length, `len=${len}`);
  }
});

test('array header and bool sizes match msgpackr', () => {
  for (const n of [0, 15, 16, 65_535, 65_536]) {
    const xs = new Array<number>(n).fill(0);
    assert.equal(msgpackArrayHeaderBytes(n) + n, packMsgpack(xs).length, `n=${n}`);
  }
  assert.equal(MSGPACK_BOOL_BYTES, packMsgpack(true).length);
  const ids = ['a', 'bé', '😀', ''];
  assert.equal(msgpackStrArrayBytes(ids), packMsgpack(ids).length);
});
