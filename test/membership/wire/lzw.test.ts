/**
 * LZW edge cases beyond the golden vectors: the decoder's bounds and errors, inputs Go's
 * writer never produces but Go's reader accepts (no leading CLEAR, a full table without
 * reset), and a round-trip property. Byte-exactness with Go is in golden.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { lzwCompress, lzwDecompress } from '../../../src/membership/wire/lzw.ts';

/** Packs codes LSB-first with the decoder's width schedule (a test-only writer). */
function packCodes(codes: readonly number[]): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let bitCount = 0;
  let width = 9;
  let hi = 257;
  let limit = 512;
  for (const code of codes) {
    bits |= code << bitCount;
    bitCount += width;
    while (bitCount >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      bitCount -= 8;
    }
    if (code === 256) {
      width = 9;
      hi = 257;
      limit = 512;
      continue;
    }
    if (code === 257) break;
    hi++;
    if (hi >= limit) {
      if (width === 12) hi--;
      else {
        width++;
        limit <<= 1;
      }
    }
  }
  if (bitCount > 0) out.push(bits & 0xff);
  return Uint8Array.from(out);
}

describe('LZW (Go compress/lzw, LSB, literal width 8)', () => {
  test('the output limit is enforced before the buffer grows past it', () => {
    const input = new Uint8Array(10_000).fill(0x61);
    const compressed = lzwCompress(input);
    assert.deepEqual(lzwDecompress(compressed, 10_000), input);
    assert.throws(() => lzwDecompress(compressed, 9_999), {
      name: 'RemoteError',
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });

  test('a stream that ends before the END code is TRUNCATED (Go: unexpected EOF)', () => {
    const compressed = lzwCompress(new TextEncoder().encode('hello hello hello'));
    assert.throws(() => lzwDecompress(compressed.subarray(0, compressed.length - 2), 1024), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => lzwDecompress(new Uint8Array(0), 1024), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });

  test('a code beyond the next free one is MALFORMED', () => {
    // CLEAR, 'a', then 300 while the next free code is 258.
    assert.throws(() => lzwDecompress(packCodes([256, 0x61, 300, 257]), 1024), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    // Right after CLEAR only literals (or CLEAR/END) are valid: 258 is not defined yet.
    assert.throws(() => lzwDecompress(packCodes([256, 258, 257]), 1024), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('the KwKwK case: the next free code may be used before it is complete', () => {
    // "aaa": 'a', then 258 = "a"+"a" defined by its own first byte.
    assert.deepEqual(
      lzwDecompress(packCodes([256, 0x61, 258, 257]), 1024),
      new TextEncoder().encode('aaa'),
    );
  });

  test('bytes after END are ignored, and a stream may start without CLEAR (as Go reads)', () => {
    const body = packCodes([0x68, 0x69, 257]);
    const withTail = new Uint8Array(body.length + 3);
    withTail.set(body);
    withTail.set([1, 2, 3], body.length);
    assert.deepEqual(lzwDecompress(withTail, 16), new TextEncoder().encode('hi'));
  });

  test('a full 12-bit table without CLEAR keeps decoding without adding entries', () => {
    // 6000 literals: the decoder's table fills at 4095 and must stay usable (Go's does).
    const input = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7) & 0xff);
    const codes = [256, ...input, 257];
    assert.deepEqual(lzwDecompress(packCodes(codes), 8000), input);
  });

  test('decoding reuses its tables, yet any input decodes alike whatever came before (fixed seed)', () => {
    const outcome = (input: Uint8Array) => {
      try {
        return lzwDecompress(input, 20_000);
      } catch (e) {
        return (e as Error).message;
      }
    };
    // A long stream of distinct strings leaves a full table behind for the next call.
    const filler = lzwCompress(Uint8Array.from({ length: 12_000 }, (_, i) => (i * 131) % 251));
    // Garbage, Go-shaped streams, and Go-shaped streams with one byte flipped.
    const streams = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 3000 }).map(lzwCompress),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.nat()).map(([x, k]) => {
        const c = lzwCompress(x);
        c[k % c.length]! ^= 0x5a;
        return c;
      }),
    );
    fc.assert(
      fc.property(streams, streams, (a, b) => {
        const first = outcome(a);
        outcome(filler);
        outcome(b);
        assert.deepEqual(outcome(a), first);
      }),
      { seed: 0x5eed, numRuns: 300 },
    );
  });

  test('round trip of arbitrary bytes (fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.array(fc.constantFrom(0, 1, 2), { maxLength: 12000 }).map((a) => Uint8Array.from(a)),
        ),
        (input) => {
          const out = lzwDecompress(lzwCompress(input), input.length);
          assert.deepEqual(out, input);
        },
      ),
      { seed: 0x1a2b, numRuns: 150 },
    );
  });

  test('the hashed string table writes what a plain Map-based writer writes (fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          // Few distinct bytes: long strings, many table resets at 4095 codes.
          fc.array(fc.constantFrom(0, 1, 2), { maxLength: 40000 }).map((a) => Uint8Array.from(a)),
          fc
            .array(fc.integer({ min: 0, max: 15 }), { maxLength: 20000 })
            .map((a) => Uint8Array.from(a)),
        ),
        (input) => {
          assert.deepEqual(lzwCompress(input), referenceCompress(input));
        },
      ),
      { seed: 0x5eed, numRuns: 120 },
    );
  });
});

/**
 * The writer as first written, with a `Map` for its string table: slower, obviously right,
 * and byte-exact with Go on the golden vectors (golden.test.ts) when it was the writer.
 */
function referenceCompress(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let bitCount = 0;
  const write = (code: number, width: number) => {
    bits |= code << bitCount;
    bitCount += width;
    while (bitCount >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      bitCount -= 8;
    }
  };
  let width = 9;
  let nextCode = 257;
  let widthLimit = 512;
  const table = new Map<number, number>();
  const assign = (): boolean => {
    nextCode++;
    if (nextCode === widthLimit) {
      width++;
      widthLimit <<= 1;
    }
    if (nextCode === 4095) {
      write(256, width);
      width = 9;
      nextCode = 257;
      widthLimit = 512;
      table.clear();
      return false;
    }
    return true;
  };
  write(256, width);
  if (input.length > 0) {
    let code = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const key = (code << 8) | input[i]!;
      const known = table.get(key);
      if (known !== undefined) {
        code = known;
        continue;
      }
      write(code, width);
      code = input[i]!;
      if (assign()) table.set(key, nextCode);
    }
    write(code, width);
    assign();
  }
  write(257, width);
  if (bitCount > 0) out.push(bits & 0xff);
  return Uint8Array.from(out);
}
