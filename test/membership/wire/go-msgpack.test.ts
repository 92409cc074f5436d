/**
 * The go-msgpack dialect: the writer's exact forms (table tests against go-msgpack 0.5.5's
 * rules) and the reader's leniency and strictness on hostile input.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GoMsgpackReader } from '../../../src/membership/wire/go-msgpack-reader.ts';
import { GoMsgpackWriter } from '../../../src/membership/wire/go-msgpack-writer.ts';
import { DEFAULT_MEMBERLIST_LIMITS as LIMITS } from '../../../src/membership/wire/limits.ts';
import { decodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { fromHex, toHex } from './fixtures.ts';

function written(f: (w: GoMsgpackWriter) => void): string {
  const w = new GoMsgpackWriter(1);
  f(w);
  return toHex(w.finish());
}

describe('GoMsgpackWriter', () => {
  const uints: [number | bigint, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [255, 'ccff'],
    [256, 'cd0100'],
    [65535, 'cdffff'],
    [65536, 'ce00010000'],
    [0xffffffff, 'ceffffffff'],
    [0x100000000, 'cf0000000100000000'],
    [0xffffffffffffffffn, 'cfffffffffffffffff'],
    [5n, '05'],
  ];
  for (const [value, hex] of uints) {
    test(`uint ${value} → ${hex} (shortest unsigned form)`, () => {
      assert.equal(
        written((w) => w.uint(value)),
        hex,
      );
    });
  }

  const ints: [number | bigint, string][] = [
    [5, '05'],
    [200, 'ccc8'],
    [-1, 'ff'],
    [-32, 'e0'],
    [-33, 'd0df'],
    [-128, 'd080'],
    [-129, 'd1ff7f'],
    [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'],
    [-2147483648, 'd280000000'],
    [-2147483649, 'd3ffffffff7fffffff'],
    [-(1n << 63n), 'd38000000000000000'],
  ];
  for (const [value, hex] of ints) {
    test(`int ${value} → ${hex} (unsigned form when ≥ 0)`, () => {
      assert.equal(
        written((w) => w.int(value)),
        hex,
      );
    });
  }

  test('strings and bytes: fixstr below 32, then str16 (never str8), then str32; never bin', () => {
    assert.equal(written((w) => w.raw(new Uint8Array(0))).slice(0, 2), 'a0');
    assert.equal(written((w) => w.raw(new Uint8Array(31))).slice(0, 2), 'bf');
    assert.equal(written((w) => w.raw(new Uint8Array(32))).slice(0, 6), 'da0020');
    assert.equal(written((w) => w.raw(new Uint8Array(255))).slice(0, 6), 'da00ff');
    assert.equal(written((w) => w.raw(new Uint8Array(65535))).slice(0, 6), 'daffff');
    assert.equal(written((w) => w.raw(new Uint8Array(65536))).slice(0, 10), 'db00010000');
    assert.equal(
      written((w) => w.string('é')),
      'a2c3a9',
    );
    assert.equal(
      written((w) => w.rawOrNil(null)),
      'c0',
    );
    // Strings encoded in place take the same forms as their UTF-8 bytes written raw, on
    // either side of each boundary, in one, two, three and four bytes per character, and
    // after other content (a writer already holding bytes).
    for (const unit of ['a', 'é', '€', '😀', 'node-é', 'abc😀']) {
      for (const bytes of [0, 28, 30, 31, 32, 33, 64, 65_535, 65_536, 70_000]) {
        const s = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
        const raw = new TextEncoder().encode(s);
        assert.equal(
          written((w) => {
            w.byte(0x42);
            w.string(s);
            w.byte(0x43);
          }),
          written((w) => {
            w.byte(0x42);
            w.raw(raw);
            w.byte(0x43);
          }),
          `${raw.length} bytes of ${unit}`,
        );
      }
    }
  });

  test('containers: fix form below 16 entries, then 16-bit, then 32-bit headers', () => {
    assert.equal(
      written((w) => w.mapHeader(15)),
      '8f',
    );
    assert.equal(
      written((w) => w.mapHeader(16)),
      'de0010',
    );
    assert.equal(
      written((w) => w.mapHeader(65536)),
      'df00010000',
    );
    assert.equal(
      written((w) => w.arrayHeader(15)),
      '9f',
    );
    assert.equal(
      written((w) => w.arrayHeader(512)),
      'dc0200',
    );
    assert.equal(
      written((w) => w.arrayHeader(70000)),
      'dd00011170',
    );
  });

  test('floats are always float64, bools c2/c3', () => {
    assert.equal(
      written((w) => w.float64(1)),
      'cb3ff0000000000000',
    );
    assert.equal(
      written((w) => {
        w.bool(false);
        w.bool(true);
      }),
      'c2c3',
    );
  });

  test('values we cannot encode are our bug: an assertion, not a RemoteError', () => {
    assert.throws(() => written((w) => w.uint(-1)), { name: 'AssertionError' });
    assert.throws(() => written((w) => w.uint(1.5)), { name: 'AssertionError' });
    assert.throws(() => written((w) => w.string('\ud800')), { name: 'AssertionError' });
    assert.throws(() => written((w) => w.byte(256)), { name: 'AssertionError' });
  });
});

describe('GoMsgpackReader', () => {
  const r = (hex: string) => new GoMsgpackReader(fromHex(hex));

  test('integers in any form are accepted when the value fits the Go type', () => {
    assert.equal(r('d005').uint(8, 'x'), 5);
    assert.equal(r('cf0000000000000007').uint(16, 'x'), 7);
    assert.equal(r('d1ff7f').int('x'), -129);
    assert.equal(r('c0').uint(32, 'x'), 0, 'nil is the zero value');
    assert.equal(r('cfffffffffffffffff').uint64('x'), 0xffffffffffffffffn);
    assert.throws(() => r('ff').uint(32, 'x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('cd0100').uint(8, 'x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('cf8000000000000000').int64('x'), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => r('cb3ff0000000000000').uint(32, 'x'), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => r('ce0000').uint(32, 'x'), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
  });

  test('the short forms Go writes for uint fields: exact values, range, and the input end', () => {
    assert.equal(r('7f').uint(8, 'x'), 127);
    assert.equal(r('ccff').uint(8, 'x'), 255);
    assert.equal(r('cdffff').uint(16, 'x'), 0xffff);
    assert.equal(r('ceffffffff').uint(32, 'x'), 0xffffffff);
    assert.equal(r('ce80000001').uint(32, 'x'), 0x80000001);
    assert.throws(() => r('cd0100').uint(8, 'x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('ce00010000').uint(16, 'x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    // A reader bounded short of the buffer's end must not read past its own end.
    const bounded = (hex: string, end: number) => new GoMsgpackReader(fromHex(hex), 0, end);
    assert.throws(() => bounded('cd0102', 2).uint(16, 'x'), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => bounded('ce01020304', 4).uint(32, 'x'), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => bounded('cc05', 1).uint(8, 'x'), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
    assert.throws(() => bounded('05', 0).uint(8, 'x'), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
  });

  test('short strings and keys decode the same however often they repeat or collide', () => {
    // Decoded strings are remembered in a fixed table; thousands of distinct names must
    // evict each other without one ever coming back as another.
    const names = Array.from({ length: 3000 }, (_, i) => `node-${i.toString(36)}`);
    const encoded = names.map((n) => {
      const w = new GoMsgpackWriter();
      w.string(n);
      return w.finish();
    });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < names.length; i++) {
        assert.equal(new GoMsgpackReader(encoded[i]!).string('x', 64, 'l'), names[i]);
        assert.equal(new GoMsgpackReader(encoded[i]!).key('x'), names[i]);
      }
    }
    // Same length and bytes but one: never the cached neighbour.
    assert.equal(r('a56e6f646561').string('x', 10, 'l'), 'nodea');
    assert.equal(r('a56e6f646562').string('x', 10, 'l'), 'nodeb');
    assert.equal(r('a56e6f646561').key('x'), 'nodea');
    // Non-ASCII bytes take the UTF-8 decoder, whatever ASCII came first.
    assert.equal(r('a66ec3b6646565').string('x', 10, 'l'), 'nödee');
    assert.equal(r('a0').string('x', 10, 'l'), '');
    assert.throws(() => r('a3616263').string('x', 2, 'l'), { code: 'HEARSAY_ERR_DECODE_OVERSIZE' });
    assert.throws(() => new GoMsgpackReader(fromHex('a3616263'), 0, 3).string('x', 10, 'l'), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });

  test('bools: c2/c3, and the integers 0 and 1 as go-msgpack accepts', () => {
    assert.equal(r('c3').bool('x'), true);
    assert.equal(r('00').bool('x'), false);
    assert.equal(r('01').bool('x'), true);
    assert.throws(() => r('02').bool('x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
  });

  test('byte fields accept the str family (str8 too) and bin8/16/32; nil is null', () => {
    assert.deepEqual(r('a2abcd').bytesOrNil('x', 10, 'l'), fromHex('abcd'));
    assert.deepEqual(r('d902abcd').bytesOrNil('x', 10, 'l'), fromHex('abcd'));
    assert.deepEqual(r('c402abcd').bytesOrNil('x', 10, 'l'), fromHex('abcd'));
    assert.deepEqual(r('c50002abcd').bytesOrNil('x', 10, 'l'), fromHex('abcd'));
    assert.deepEqual(r('c600000002abcd').bytesOrNil('x', 10, 'l'), fromHex('abcd'));
    assert.equal(r('c0').bytesOrNil('x', 10, 'l'), null);
  });

  test('string fields accept only the str family, and only well-formed UTF-8', () => {
    assert.equal(r('d90161').string('x', 10, 'l'), 'a');
    assert.throws(() => r('c40161').string('x', 10, 'l'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('a2c328').string('x', 10, 'l'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('a3eda080').string('x', 10, 'l'), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('a huge announced length is refused before any allocation', () => {
    // str32 announcing 4 GiB in a 9-byte input: TRUNCATED (not enough bytes) when within
    // the limit, OVERSIZE when beyond it; nothing is allocated either way.
    assert.throws(() => r('dbfffffff0aaaa').bytesOrNil('x', 0xffffffff, 'l'), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => r('dbfffffff0aaaa').bytesOrNil('x', 100, 'someLimit'), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /someLimit/,
    });
    assert.throws(() => r('dfffffffff').mapHeaderOrNil('x', 0xffffffff, 'l'), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => r('ddffffffff').arrayHeaderOrNil('x', 10, 'arrayLimit'), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });

  test('skip walks any value, bounds nesting, and refuses 0xc1 and extension types', () => {
    const reader = r('82a161cb3ff0000000000000a16292c0c4020102');
    reader.skip('x');
    assert.equal(reader.remaining, 0);
    const deep = `${'91'.repeat(40)}00`;
    assert.throws(() => r(deep).skip('x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('c1').skip('x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('d40100').skip('x'), { code: 'HEARSAY_ERR_DECODE_MALFORMED' });
    assert.throws(() => r('dc0005').skip('x'), { code: 'HEARSAY_ERR_DECODE_TRUNCATED' });
  });

  test('structs: keys in any order, unknown keys skipped, last duplicate wins, arrays refused', () => {
    // nack {Extra: [1, {a: nil}], SeqNo: 1, SeqNo: 9}
    const nack = fromHex(
      '0b83a545787472619201 81a161c0 a55365714e6f01 a55365714e6f09'.replaceAll(' ', ''),
    );
    assert.deepEqual(decodePacket(nack, LIMITS), { type: 'nack', seqNo: 9 });
    // A missing key leaves Go's zero value.
    assert.deepEqual(decodePacket(fromHex('0b80'), LIMITS), { type: 'nack', seqNo: 0 });
    // go-msgpack also takes the array form of a struct; no implementation sends it, we refuse it.
    assert.throws(() => decodePacket(fromHex('0b9109'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodePacket(fromHex('0bc0'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });
});
