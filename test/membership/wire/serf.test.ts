/**
 * Serf's layer beyond the captures: tags in node meta (both forms, deterministic encoding),
 * the relay wrapper, coordinates, filters, and the Serf limits.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeSerfMessage, encodeSerfMessage } from '../../../src/membership/wire/serf/codec.ts';
import {
  decodePingPayload,
  encodePingPayload,
} from '../../../src/membership/wire/serf/coordinate.ts';
import { decodeFilter, encodeFilter } from '../../../src/membership/wire/serf/filters.ts';
import {
  DEFAULT_SERF_LIMITS as LIMITS,
  serfLimits,
} from '../../../src/membership/wire/serf/limits.ts';
import type { SerfMessage, SerfPushPull } from '../../../src/membership/wire/serf/messages.ts';
import { decodeTags, encodeTags, sortedTags } from '../../../src/membership/wire/serf/tags.ts';
import { fromHex, toHex } from './fixtures.ts';

describe('tags in node meta', () => {
  test("agent a's tags (v001): ff + map, wire order kept", () => {
    const meta = fromHex('ff82a4726f6c65a3776562a26463a36c6162');
    const tags = decodeTags(meta, LIMITS);
    assert.deepEqual(
      [...tags],
      [
        ['role', 'web'],
        ['dc', 'lab'],
      ],
    );
    assert.equal(toHex(encodeTags(tags)), toHex(meta));
    assert.equal(toHex(encodeTags(new Map())), 'ff80');
  });

  test('sortedTags gives one encoding per tag set, whatever the insertion order', () => {
    const a = encodeTags(sortedTags({ role: 'web', dc: 'lab', Zone: 'z' }));
    const b = encodeTags(
      sortedTags(
        new Map([
          ['dc', 'lab'],
          ['Zone', 'z'],
          ['role', 'web'],
        ]),
      ),
    );
    assert.equal(toHex(a), toHex(b));
    assert.deepEqual(
      [...decodeTags(a, LIMITS).keys()],
      ['Zone', 'dc', 'role'],
      'byte-wise order: upper case first',
    );
  });

  test('pre-protocol-3 meta is the role tag; empty meta is an empty role', () => {
    assert.deepEqual([...decodeTags(new TextEncoder().encode('web'), LIMITS)], [['role', 'web']]);
    assert.deepEqual([...decodeTags(new Uint8Array(0), LIMITS)], [['role', '']]);
    assert.deepEqual([...decodeTags(null, LIMITS)], [['role', '']]);
    assert.throws(() => decodeTags(Uint8Array.of(0xc3, 0x28), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('bad tag maps are RemoteErrors; tags too long for meta cannot be encoded', () => {
    assert.throws(() => decodeTags(fromHex('ff81a1'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(() => decodeTags(fromHex('ff81a16101'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodeTags(fromHex('ff80c0'), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    assert.throws(() => decodeTags(fromHex('ff82a161a162a163a164'), serfLimits({ tagsMax: 1 })), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
    assert.throws(() => encodeTags(new Map([['k', 'v'.repeat(600)]])), { name: 'AssertionError' });
  });
});

describe('Serf messages', () => {
  test('relay: header, then a whole Serf message; a relay in a relay is refused', () => {
    const inner: SerfMessage = {
      type: 'queryResponse',
      ltime: 1n,
      id: 7,
      from: 'p',
      flags: 1,
      payload: null,
    };
    const relay: SerfMessage = {
      type: 'relay',
      destAddr: { ip: Uint8Array.of(127, 0, 0, 1), port: 17996, zone: '' },
      destName: 'p',
      message: inner,
    };
    const bytes = encodeSerfMessage(relay);
    assert.deepEqual(decodeSerfMessage(bytes, LIMITS), relay);
    const nested = encodeSerfMessage({ ...relay, message: relay });
    assert.throws(() => decodeSerfMessage(nested, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
    const badPort = encodeSerfMessage({ ...relay, destAddr: { ...relay.destAddr, port: 70000 } });
    assert.throws(() => decodeSerfMessage(badPort, LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('unknown Serf types, empty messages and trailing bytes are refused', () => {
    assert.throws(() => decodeSerfMessage(Uint8Array.of(10, 0x80), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
    });
    assert.throws(() => decodeSerfMessage(new Uint8Array(0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    const join = encodeSerfMessage({ type: 'join', ltime: 3n, node: 'c' });
    assert.throws(() => decodeSerfMessage(Uint8Array.from([...join, 0]), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_MALFORMED',
    });
  });

  test('push/pull event ring and member lists are bounded', () => {
    const pp: SerfPushPull = {
      type: 'pushPull',
      ltime: 1n,
      statusLTimes: new Map([
        ['a', 1n],
        ['b', 2n],
      ]),
      leftMembers: ['b'],
      eventLTime: 1n,
      events: new Array(512).fill(null),
      queryLTime: 1n,
    };
    const bytes = encodeSerfMessage(pp);
    assert.deepEqual(decodeSerfMessage(bytes, LIMITS), pp);
    assert.throws(() => decodeSerfMessage(bytes, serfLimits({ pushPullEventSlotsMax: 511 })), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /pushPullEventSlotsMax/,
    });
    assert.throws(() => decodeSerfMessage(bytes, serfLimits({ membersMax: 1 })), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /membersMax/,
    });
  });

  test('payloads are bounded by payloadBytesMax', () => {
    const ev = encodeSerfMessage({
      type: 'userEvent',
      ltime: 1n,
      name: 'e',
      payload: new Uint8Array(100),
      cc: true,
    });
    assert.throws(() => decodeSerfMessage(ev, serfLimits({ payloadBytesMax: 99 })), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
    });
  });
});

describe('ack payload coordinates', () => {
  test('round trip; unknown version is DECODE_VERSION; dimensions bounded', () => {
    const c = { vec: [1, 2, 3], error: 0.5, adjustment: 0, height: 1e-5 };
    assert.deepEqual(decodePingPayload(encodePingPayload(c), LIMITS), c);
    const v2 = encodePingPayload(c);
    v2[0] = 2;
    assert.throws(() => decodePingPayload(v2, LIMITS), { code: 'HEARSAY_ERR_DECODE_VERSION' });
    assert.throws(() => decodePingPayload(new Uint8Array(0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
    assert.throws(
      () => decodePingPayload(encodePingPayload(c), serfLimits({ coordinateDimensionsMax: 2 })),
      {
        code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      },
    );
  });
});

describe('query filters', () => {
  test('round trips; unknown filter type refused', () => {
    for (const f of [
      { type: 'node', nodes: ['a', 'b'] },
      { type: 'tag', tag: 'role', expr: 'web.*' },
    ] as const) {
      assert.deepEqual(decodeFilter(encodeFilter(f), LIMITS), f);
    }
    assert.throws(() => decodeFilter(Uint8Array.of(2, 0x90), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
    });
    assert.throws(() => decodeFilter(new Uint8Array(0), LIMITS), {
      code: 'HEARSAY_ERR_DECODE_TRUNCATED',
    });
  });
});

describe('Serf limits', () => {
  test('defaults are finite; overrides are validated and name the field', () => {
    for (const [k, v] of Object.entries(LIMITS)) assert.ok(Number.isSafeInteger(v) && v > 0, k);
    assert.throws(() => serfLimits({ keysMax: 0 }), {
      code: 'HEARSAY_ERR_CONFIG_INVALID',
      message: /serfLimits\.keysMax/,
    });
    assert.throws(() => serfLimits({ tagsMax: Number.POSITIVE_INFINITY }), {
      code: 'HEARSAY_ERR_CONFIG_INVALID',
    });
  });
});
