import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWellFormedUtf8, utf8ByteLength } from '../../src/codec/utf8.ts';

test('utf8ByteLength matches TextEncoder for well-formed strings', () => {
  const enc = new TextEncoder();
  for (const s of ['', 'a', 'é', '€', '😀', 'a😀é€']) {
    assert.equal(utf8ByteLength(s), enc.encode(s).length, s);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
      assert.equal(utf8ByteLength(s), enc.encode(s).length);
    }),
    { seed: 42, numRuns: 500 },
  );
});

test('utf8ByteLength counts lone surrogates as 3 bytes (as TextEncoder does with U+FFFD)', () => {
  assert.equal(utf8ByteLength('\ud800'), 3);
  assert.equal(utf8ByteLength('\udc00x'), 4);
  assert.equal(utf8ByteLength('\ud800\ud800'), 6);
});

test('isWellFormedUtf8 agrees with a fatal TextDecoder on arbitrary bytes', () => {
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const strict = (b: Uint8Array): boolean => {
    try {
      dec.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  const cases = [
    [0x61],
    [0xc3, 0xa9],
    [0xc0, 0x80], // overlong
    [0xe0, 0x80, 0x80], // overlong
    [0xed, 0xa0, 0x80], // surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xf0, 0x9f, 0x98, 0x80], // 😀
    [0xf0, 0x9f, 0x98], // cut off
    [0x80],
  ];
  for (const c of cases) {
    const b = new Uint8Array(c);
    assert.equal(isWellFormedUtf8(b, 0, b.length), strict(b), c.join(','));
  }
  // Random bytes biased towards multibyte lead and continuation bytes.
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xf5 }));
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 12 }), (xs) => {
      const b = new Uint8Array(xs);
      assert.equal(isWellFormedUtf8(b, 0, b.length), strict(b));
    }),
    { seed: 42, numRuns: 2000 },
  );
});

test('isWellFormedUtf8 honours the [start, end) window', () => {
  const b = new Uint8Array([0xff, 0x61, 0xc3, 0xa9, 0xff]);
  assert.equal(isWellFormedUtf8(b, 1, 4), true);
  assert.equal(isWellFormedUtf8(b, 1, 3), false); // cuts é in half
  assert.equal(isWellFormedUtf8(b, 0, 4), false);
});
