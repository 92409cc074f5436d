/**
 * Dissemination wire codec: round trips, a table of hostile packets, encoder assertions and
 * property tests (fast-check, fixed seeds so CI is deterministic).
 *
 * The central property: for ANY bytes, `decode` either returns a message that re-encodes to
 * an equal message, or throws a `RemoteError` with a DECODE_* code. Nothing else escapes.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { packMsgpack } from '../../src/codec/msgpack.ts';
import { AssertionError, ERROR_CODES, type ErrorCode, RemoteError } from '../../src/core/errors.ts';
import {
  DEFAULT_DISSEMINATION_LIMITS,
  disseminationCodec,
  HOPS_MAX,
  TYPE_CODES,
  WIRE_VERSION,
} from '../../src/dissemination/codec.ts';
import type { DisseminationMsg, Item } from '../../src/dissemination/messages.ts';
import { MESSAGE_TYPES } from '../../src/dissemination/messages.ts';

const codec = disseminationCodec();
const SEED = 42;

const DECODE_CODES: readonly ErrorCode[] = [
  'HEARSAY_ERR_DECODE_TRUNCATED',
  'HEARSAY_ERR_DECODE_OVERSIZE',
  'HEARSAY_ERR_DECODE_MALFORMED',
  'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
  'HEARSAY_ERR_DECODE_VERSION',
];

const item = (id: string, data: number[] | Uint8Array = [], hops = 0): Item => ({
  id,
  data: data instanceof Uint8Array ? data : new Uint8Array(data),
  hops,
});

/** A packet with our header and an arbitrary msgpack body. */
const packet = (typeCode: number, body: unknown, version = WIRE_VERSION): Uint8Array => {
  const b = packMsgpack(body);
  const out = new Uint8Array(2 + b.length);
  out[0] = version;
  out[1] = typeCode;
  out.set(b, 2);
  return out;
};
const raw = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

function expectDrop(bytes: Uint8Array, code: ErrorCode, c = codec): void {
  assert.throws(
    () => c.decode(bytes),
    (e: unknown) => e instanceof RemoteError && e.code === code,
    `expected ${code}`,
  );
}

/**
 * The contract for hostile bytes: a valid, re-encodable message, or a DECODE_* RemoteError.
 * Returns the outcome ('ok' or the code) so properties can check both paths were exercised.
 */
function decodeOutcome(bytes: Uint8Array): string {
  let msg: DisseminationMsg;
  try {
    msg = codec.decode(bytes);
  } catch (e) {
    if (e instanceof RemoteError && DECODE_CODES.includes(e.code)) return e.code;
    throw e;
  }
  const again = codec.encode(msg);
  assert.deepEqual(codec.decode(again), msg);
  assert.equal(codec.sizeOf(msg), again.length);
  return 'ok';
}

/** Runs `decodeOutcome` over a property and tallies outcomes. */
function tally(): { seen: Map<string, number>; check: (bytes: Uint8Array) => boolean } {
  const seen = new Map<string, number>();
  return {
    seen,
    check: (bytes) => {
      const o = decodeOutcome(bytes);
      seen.set(o, (seen.get(o) ?? 0) + 1);
      return true;
    },
  };
}

describe('round trip', () => {
  const examples: DisseminationMsg[] = [
    { t: 'push', items: [], feedback: false },
    {
      t: 'push',
      items: [item('a', [1, 2, 3], 0), item('rumor/é/😀', new Uint8Array(300), 70_000)],
      feedback: true,
    },
    { t: 'feedback', known: ['a', 'b'] },
    { t: 'pull', ids: [] },
    { t: 'pull', ids: Array.from({ length: 20 }, (_, i) => `id-${i}`) },
    { t: 'syn', ids: ['x'] },
    { t: 'ack', offer: ['o1'], want: ['w1', 'w2'] },
    { t: 'ack2', items: [item('k', [9], 4)], want: [] },
    {
      t: 'items',
      items: [item('big', new Uint8Array(DEFAULT_DISSEMINATION_LIMITS.itemDataBytesMax))],
    },
    { t: 'push', items: [item('h', [], HOPS_MAX)], feedback: false },
  ];
  test('every message type has an example', () => {
    assert.deepEqual(new Set(examples.map((m) => m.t)), new Set(MESSAGE_TYPES));
  });
  for (const msg of examples) {
    test(`${msg.t} (${codec.sizeOf(msg)} bytes) decodes to an equal message`, () => {
      const bytes = codec.encode(msg);
      assert.equal(bytes[0], WIRE_VERSION);
      assert.equal(bytes[1], TYPE_CODES[msg.t]);
      assert.deepEqual(codec.decode(bytes), msg);
      assert.equal(codec.sizeOf(msg), bytes.length);
      assert.equal(codec.typeOf(msg), msg.t);
    });
  }
  test('decoded data is a fresh plain Uint8Array, not a view into the packet', () => {
    const bytes = codec.encode({ t: 'items', items: [item('a', [7, 7, 7])] });
    const msg = codec.decode(bytes);
    assert.equal(msg.t, 'items');
    if (msg.t !== 'items') return;
    const data = msg.items[0]!.data;
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    bytes.fill(0);
    assert.deepEqual([...data], [7, 7, 7]);
  });
  test('one item at every default limit (longest id, largest data, largest hops) fits a packet', () => {
    const lim = DEFAULT_DISSEMINATION_LIMITS;
    const it = item('x'.repeat(lim.idBytesMax), new Uint8Array(lim.itemDataBytesMax), HOPS_MAX);
    for (const msg of [
      { t: 'push', items: [it], feedback: true },
      { t: 'items', items: [it] },
      { t: 'ack2', items: [it], want: [] },
    ] as DisseminationMsg[]) {
      assert.ok(codec.sizeOf(msg) <= lim.packetBytesMax, `${msg.t}: ${codec.sizeOf(msg)}`);
      assert.deepEqual(codec.decode(codec.encode(msg)), msg);
    }
  });
  test('type codes are distinct and cover every message type', () => {
    const codes = MESSAGE_TYPES.map((t) => TYPE_CODES[t]);
    assert.equal(new Set(codes).size, MESSAGE_TYPES.length);
  });
});

describe('hostile packets', () => {
  const small = disseminationCodec({ itemsMax: 2, idsMax: 3, idBytesMax: 4, itemDataBytesMax: 5 });
  const cases: [string, Uint8Array, ErrorCode, typeof codec?][] = [
    ['empty packet', raw(), 'HEARSAY_ERR_DECODE_TRUNCATED'],
    ['one byte', raw(1), 'HEARSAY_ERR_DECODE_TRUNCATED'],
    ['header without body', raw(1, 1), 'HEARSAY_ERR_DECODE_TRUNCATED'],
    ['version 0', packet(1, [[], false], 0), 'HEARSAY_ERR_DECODE_VERSION'],
    ['version 2', packet(1, [[], false], 2), 'HEARSAY_ERR_DECODE_VERSION'],
    ['type code 0', packet(0, [[]]), 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE'],
    ['type code 8', packet(8, [[]]), 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE'],
    ['type code 255', packet(255, [[]]), 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE'],
    // Size is checked before the header: a huge packet of another version is still OVERSIZE.
    ['packet over packetBytesMax', new Uint8Array(65_001).fill(9), 'HEARSAY_ERR_DECODE_OVERSIZE'],
    [
      'packet over a small packetBytesMax',
      codec.encode({ t: 'pull', ids: ['0123456789'] }),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      disseminationCodec({ packetBytesMax: 10 }),
    ],
    [
      'cut in the middle',
      codec.encode({ t: 'pull', ids: ['abcdef'] }).subarray(0, 6),
      'HEARSAY_ERR_DECODE_TRUNCATED',
    ],
    [
      'trailing garbage',
      raw(...codec.encode({ t: 'pull', ids: [] }), 0),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'array32 announcing 2^32-1 elements',
      raw(1, 3, 0xdd, 0xff, 0xff, 0xff, 0xff),
      'HEARSAY_ERR_DECODE_TRUNCATED',
    ],
    [
      'str32 announcing 4 GiB',
      raw(1, 3, 0x91, 0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61),
      'HEARSAY_ERR_DECODE_TRUNCATED',
    ],
    [
      'bin16 cut off',
      raw(1, 7, 0x91, 0x91, 0x93, 0xa1, 0x61, 0xc5, 0x01),
      'HEARSAY_ERR_DECODE_TRUNCATED',
    ],
    ['reserved byte 0xc1', raw(1, 3, 0xc1), 'HEARSAY_ERR_DECODE_MALFORMED'],
    [
      'extension type (timestamp)',
      raw(1, 3, 0x91, 0xd6, 0xff, 0, 0, 0, 1),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    ['nesting deeper than the format', packet(3, [[[[[1]]]]]), 'HEARSAY_ERR_DECODE_OVERSIZE'],
    ['body is a map', packet(3, { ids: [] }), 'HEARSAY_ERR_DECODE_MALFORMED'],
    [
      'body is a map with __proto__',
      raw(1, 3, 0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x90),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    ['body is a scalar', packet(3, 7), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['body tuple too short', packet(5, [[]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['body tuple too long', packet(3, [[], []]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['id is a number', packet(3, [[1]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['id is nil', packet(3, [[null]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['id is bin', packet(3, [[new Uint8Array([0x61])]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['ids is a string', packet(3, ['abc']), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['feedback flag is 1', packet(1, [[], 1]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['item is not a tuple', packet(7, [['a']]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['item with 2 fields', packet(7, [[['a', new Uint8Array(0)]]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    [
      'item with 4 fields',
      packet(7, [[['a', new Uint8Array(0), 0, 0]]]),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    ['data is a string', packet(7, [[['a', 'xyz', 0]]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    ['data is a number', packet(7, [[['a', 5, 0]]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    // One level deeper than any field of the format: refused by the structural scan.
    ['data is an array', packet(7, [[['a', [1, 2], 0]]]), 'HEARSAY_ERR_DECODE_OVERSIZE'],
    ['negative hops', packet(7, [[['a', new Uint8Array(0), -1]]]), 'HEARSAY_ERR_DECODE_MALFORMED'],
    [
      'fractional hops',
      packet(7, [[['a', new Uint8Array(0), 1.5]]]),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'NaN hops',
      packet(7, [[['a', new Uint8Array(0), Number.NaN]]]),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'hops above HOPS_MAX',
      packet(7, [[['a', new Uint8Array(0), 2 ** 40]]]),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'hops as uint64 (bigint)',
      raw(
        1,
        7,
        0x91,
        0x91,
        0x93,
        0xa1,
        0x61,
        0xc4,
        0,
        0xcf,
        255,
        255,
        255,
        255,
        255,
        255,
        255,
        255,
      ),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'hops is a string',
      packet(7, [[['a', new Uint8Array(0), '1']]]),
      'HEARSAY_ERR_DECODE_MALFORMED',
    ],
    [
      'too many items',
      packet(7, [
        [
          ['a', new Uint8Array(0), 0],
          ['b', new Uint8Array(0), 0],
          ['c', new Uint8Array(0), 0],
        ],
      ]),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      small,
    ],
    ['too many ids', packet(4, [['a', 'b', 'c', 'd']]), 'HEARSAY_ERR_DECODE_OVERSIZE', small],
    [
      'too many wanted ids in ack',
      packet(5, [[], ['a', 'b', 'c', 'd']]),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      small,
    ],
    ['id too long', packet(3, [['abcde']]), 'HEARSAY_ERR_DECODE_OVERSIZE', small],
    [
      'id too long in UTF-8 bytes, short in chars',
      packet(3, [['éé€']]),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      small,
    ],
    [
      'item id too long',
      packet(7, [[['abcde', new Uint8Array(0), 0]]]),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      small,
    ],
    [
      'item data too long',
      packet(7, [[['a', new Uint8Array(6), 0]]]),
      'HEARSAY_ERR_DECODE_OVERSIZE',
      small,
    ],
  ];
  for (const [name, bytes, code, c] of cases) {
    test(`${name} → ${code}`, () => expectDrop(bytes, code, c));
  }

  test('limits at exactly the maximum are accepted', () => {
    const msg: DisseminationMsg = {
      t: 'items',
      items: [item('abcd', [1, 2, 3, 4, 5]), item('€', [])],
    };
    assert.deepEqual(small.decode(small.encode(msg)), msg);
    const ids: DisseminationMsg = { t: 'syn', ids: ['a', 'b', 'c'] };
    assert.deepEqual(small.decode(small.encode(ids)), ids);
  });

  test('invalid UTF-8 and encoded surrogates are MALFORMED, not silently replaced', () => {
    // 0xff is never UTF-8; ed a0 80 is a surrogate; c0 80 an overlong NUL; 61 c3 is cut off.
    for (const strBytes of [[0xff], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0x61, 0xc3]]) {
      const bytes = raw(1, 3, 0x91, 0x91, 0xa0 | strBytes.length, ...strBytes);
      expectDrop(bytes, 'HEARSAY_ERR_DECODE_MALFORMED');
    }
  });

  test('errors name the offending field', () => {
    assert.throws(
      () =>
        codec.decode(
          packet(7, [
            [
              ['a', new Uint8Array(0), 0],
              ['b', new Uint8Array(0), -3],
            ],
          ]),
        ),
      (e: unknown) => e instanceof RemoteError && /items\.items\[1\]\.hops/.test(e.message),
    );
  });
});

describe('encode asserts its input (a bad message is our bug)', () => {
  const small = disseminationCodec({
    itemsMax: 2,
    idsMax: 3,
    idBytesMax: 4,
    itemDataBytesMax: 5,
    packetBytesMax: 30,
  });
  const bugs: [string, DisseminationMsg][] = [
    ['negative hops', { t: 'items', items: [item('a', [], -1)] }],
    ['fractional hops', { t: 'items', items: [item('a', [], 0.5)] }],
    ['hops above HOPS_MAX', { t: 'items', items: [item('a', [], HOPS_MAX + 1)] }],
    ['too many items', { t: 'items', items: [item('a'), item('b'), item('c')] }],
    ['too many ids', { t: 'pull', ids: ['a', 'b', 'c', 'd'] }],
    ['id too long', { t: 'syn', ids: ['abcde'] }],
    ['lone surrogate in id', { t: 'syn', ids: ['\ud800'] }],
    ['data too long', { t: 'push', items: [item('a', [1, 2, 3, 4, 5, 6])], feedback: false }],
    [
      'data not bytes',
      {
        t: 'push',
        items: [{ id: 'a', data: [1] as unknown as Uint8Array, hops: 0 }],
        feedback: false,
      },
    ],
    [
      'packet over packetBytesMax',
      { t: 'ack', offer: ['aaaa', 'bbbb', 'cccc'], want: ['dddd', 'eeee', 'ffff'] },
    ],
    ['unknown type', { t: 'gossip' } as unknown as DisseminationMsg],
  ];
  for (const [name, msg] of bugs) {
    test(name, () => assert.throws(() => small.encode(msg), AssertionError));
  }
  test('invalid limits are refused at construction', () => {
    assert.throws(() => disseminationCodec({ itemsMax: 0 }), AssertionError);
    assert.throws(
      () => disseminationCodec({ packetBytesMax: Number.POSITIVE_INFINITY }),
      AssertionError,
    );
  });
});

// ---- property tests ----

const idArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 30, maxLength: 256 }),
);
const idsArb = fc.oneof(
  fc.array(idArb, { maxLength: 6 }),
  fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), { minLength: 14, maxLength: 40 }),
);
// Plain objects: fast-check may otherwise build null-prototype records, which a decoder
// (rightly) never produces, and deepStrictEqual compares prototypes.
const plain = { noNullPrototype: true } as const;
const itemArb: fc.Arbitrary<Item> = fc.record(
  {
    id: idArb,
    data: fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 250, maxLength: 300 }),
    ),
    hops: fc.oneof(fc.nat(300), fc.integer({ min: 0, max: HOPS_MAX })),
  },
  plain,
);
const itemsArb = fc.array(itemArb, { maxLength: 18 });
const msgArb: fc.Arbitrary<DisseminationMsg> = fc.oneof(
  fc.record({ t: fc.constant('push' as const), items: itemsArb, feedback: fc.boolean() }, plain),
  fc.record({ t: fc.constant('feedback' as const), known: idsArb }, plain),
  fc.record({ t: fc.constant('pull' as const), ids: idsArb }, plain),
  fc.record({ t: fc.constant('syn' as const), ids: idsArb }, plain),
  fc.record({ t: fc.constant('ack' as const), offer: idsArb, want: idsArb }, plain),
  fc.record({ t: fc.constant('ack2' as const), items: itemsArb, want: idsArb }, plain),
  fc.record({ t: fc.constant('items' as const), items: itemsArb }, plain),
);

/** Byte edits: flip bits, overwrite, insert, delete, truncate. Positions are taken modulo length. */
type Mutation =
  | { k: 'flip'; at: number; mask: number }
  | { k: 'set'; at: number; v: number }
  | { k: 'insert'; at: number; v: number }
  | { k: 'delete'; at: number }
  | { k: 'truncate'; at: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    k: fc.constant('flip' as const),
    at: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ k: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    k: fc.constant('insert' as const),
    at: fc.nat(),
    v: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
);
function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let xs = [...bytes];
  for (const m of ms) {
    const at = xs.length === 0 ? 0 : m.at % xs.length;
    if (m.k === 'flip') xs[at] = (xs[at] ?? 0) ^ m.mask;
    else if (m.k === 'set') xs[at] = m.v;
    else if (m.k === 'insert') xs.splice(at, 0, m.v);
    else if (m.k === 'delete') xs.splice(at, 1);
    else xs = xs.slice(0, at);
  }
  return new Uint8Array(xs);
}

describe('properties', () => {
  test('(a) every valid message round-trips exactly', () => {
    fc.assert(
      fc.property(msgArb, (msg) => {
        assert.deepEqual(codec.decode(codec.encode(msg)), msg);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  test('(b) random bytes decode to a valid message or throw a DECODE_* RemoteError', () => {
    const anyBytes = fc.uint8Array({ maxLength: 120 });
    // Mostly past the header, so that the body parser and validators get exercised.
    const headed = fc
      .tuple(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 120 }))
      .map(([t, body]) => raw(WIRE_VERSION, t, ...body));
    // Well-formed msgpack of the wrong shape: maps, floats, strings where arrays belong …
    const anyValue = fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.anything({ maxDepth: 4, withNullPrototype: true }))
      .map(([t, v]) => packet(t, v));
    const t = tally();
    fc.assert(fc.property(fc.oneof(anyBytes, headed, anyValue), t.check), {
      seed: SEED,
      numRuns: 1500,
    });
    // The generators must reach deep into the decoder, not stop at the header.
    assert.ok((t.seen.get('HEARSAY_ERR_DECODE_MALFORMED') ?? 0) > 100, [...t.seen].join());
    assert.ok(t.seen.size >= 4, [...t.seen].join());
  });

  test('(c) mutated valid encodings decode to a valid message or throw a DECODE_* RemoteError', () => {
    const t = tally();
    fc.assert(
      fc.property(msgArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (msg, ms) =>
        t.check(mutate(codec.encode(msg), ms)),
      ),
      { seed: SEED, numRuns: 1500 },
    );
    // Both paths matter: mutations that still decode (then must re-encode) and every kind of drop.
    assert.ok((t.seen.get('ok') ?? 0) > 50, [...t.seen].join());
    for (const code of DECODE_CODES)
      assert.ok(t.seen.has(code), `${code} never hit: ${[...t.seen].join()}`);
  });

  test('(d) sizeOf equals the encoded length', () => {
    // The brief allowed "within a few bytes"; the size model is exact for msgpackr's
    // minimal encodings, so any difference means the model or msgpackr changed.
    fc.assert(
      fc.property(msgArb, (msg) => {
        assert.equal(codec.sizeOf(msg), codec.encode(msg).length);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  test('(d) sizeOf is exact at the msgpack length-class boundaries', () => {
    for (const n of [0, 15, 16, 255, 256, 65_535, 65_536]) {
      const ids = Array.from({ length: Math.min(n, 8192) }, () => '');
      const syn: DisseminationMsg = { t: 'syn', ids };
      assert.equal(codec.sizeOf(syn), codec.encode(syn).length, `ids ${ids.length}`);
      const data = new Uint8Array(Math.min(n, 60_000));
      const items: DisseminationMsg = {
        t: 'items',
        items: [item('x'.repeat(Math.min(n, 256)), data, n)],
      };
      assert.equal(codec.sizeOf(items), codec.encode(items).length, `n ${n}`);
    }
    for (const hops of [127, 128, 255, 256, 65_535, 65_536, HOPS_MAX]) {
      const msg: DisseminationMsg = { t: 'items', items: [item('a', [], hops)] };
      assert.equal(codec.sizeOf(msg), codec.encode(msg).length, `hops ${hops}`);
    }
  });
});

test('every DECODE_* code used here exists in ERROR_CODES', () => {
  for (const c of DECODE_CODES) assert.ok(Object.hasOwn(ERROR_CODES, c));
});
