/**
 * Golden vectors made by Go itself (test/fixtures/memberlist/golden/gen.go: Go 1.19.8, the
 * toolchain of the Debian Serf agent, with compress/lzw and go-msgpack 0.5.5). They cover
 * what the captures do not: msgpack size boundaries (fixstr/str16/str32, every integer
 * width, negative ints), nil versus empty byte slices, slices and maps, IPv6 addresses,
 * omitempty fields, and LZW streams long enough for table resets and width changes.
 *
 * Each value is both encoded (must equal Go's bytes) and decoded from Go's bytes (must equal
 * the value).
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_MEMBERLIST_LIMITS,
  memberlistLimits,
} from '../../../src/membership/wire/limits.ts';
import { lzwCompress, lzwDecompress } from '../../../src/membership/wire/lzw.ts';
import type { PacketMessage, StreamMessage, Vsn } from '../../../src/membership/wire/messages.ts';
import { decodePacket, encodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../../../src/membership/wire/serf/codec.ts';
import {
  type Coordinate,
  decodePingPayload,
  encodePingPayload,
} from '../../../src/membership/wire/serf/coordinate.ts';
import {
  decodeFilter,
  encodeFilter,
  type QueryFilter,
} from '../../../src/membership/wire/serf/filters.ts';
import { DEFAULT_SERF_LIMITS } from '../../../src/membership/wire/serf/limits.ts';
import type { SerfMessage } from '../../../src/membership/wire/serf/messages.ts';
import { decodeStream, encodeStream } from '../../../src/membership/wire/stream-codec.ts';
import { fromHex, goldenLzwInput, goldenMsgpack, goldenVectors, toHex } from './fixtures.ts';

const ip4 = Uint8Array.of(10, 0, 0, 7);
const ip16 = Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34);
const vsn: Vsn = [1, 5, 2, 2, 5, 5];
const n = (count: number): string => 'n'.repeat(count);
const none = new Uint8Array(0);
const ping = (seqNo: number, node: string): PacketMessage => ({
  type: 'ping',
  seqNo,
  node,
  sourceAddr: none,
  sourcePort: 0,
  sourceNode: '',
});

const packets: Record<string, PacketMessage> = {
  'ping-minimal': ping(0, ''),
  'ping-full-ipv6': {
    type: 'ping',
    seqNo: 4294967295,
    node: 'target',
    sourceAddr: ip16,
    sourcePort: 65535,
    sourceNode: 'me',
  },
  'ping-seq-128': ping(128, n(31)),
  'ping-seq-256': ping(256, n(32)),
  'ping-seq-65536': ping(65536, n(255)),
  'indirect-ping': {
    type: 'indirectPing',
    seqNo: 9,
    target: ip4,
    port: 7946,
    node: 't',
    nack: true,
    sourceAddr: ip4,
    sourcePort: 1,
    sourceNode: 's',
  },
  'indirect-ping-no-source': {
    type: 'indirectPing',
    seqNo: 9,
    target: ip4,
    port: 0,
    node: 't',
    nack: false,
    sourceAddr: none,
    sourcePort: 0,
    sourceNode: '',
  },
  'ack-nil-payload': { type: 'ack', seqNo: 3, payload: null },
  'ack-empty-payload': { type: 'ack', seqNo: 3, payload: new Uint8Array(0) },
  'ack-payload-40': { type: 'ack', seqNo: 3, payload: new Uint8Array(40).fill(0xfe) },
  suspect: { type: 'suspect', incarnation: 70000, node: 'x', from: 'y' },
  'alive-nil-meta-ipv6': {
    type: 'alive',
    incarnation: 1,
    node: 'n',
    addr: ip16,
    port: 7946,
    meta: null,
    vsn,
  },
  'alive-empty-meta-no-vsn': {
    type: 'alive',
    incarnation: 0,
    node: 'n',
    addr: ip4,
    port: 0,
    meta: new Uint8Array(0),
    vsn: null,
  },
  'dead-leave': { type: 'dead', incarnation: 2, node: 'me', from: 'me' },
  nack: { type: 'nack', seqNo: 200 },
};

const streams: Record<string, StreamMessage> = {
  err: { type: 'err', error: 'Encryption is configured but remote state is not encrypted' },
  'push-pull-negative-state': {
    type: 'pushPull',
    join: true,
    nodes: [
      { name: 'a', addr: ip4, port: 1, meta: null, incarnation: 5, state: -1, vsn },
      {
        name: 'b',
        addr: ip16,
        port: 2,
        meta: Uint8Array.of(0xff, 0x80),
        incarnation: 4294967295,
        state: -200,
        vsn: null,
      },
    ],
    userState: Uint8Array.of(2, 3, 4),
  },
  'user-stream': { type: 'user', payload: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
};

const serf: Record<string, SerfMessage> = {
  'serf-query-edges': {
    type: 'query',
    ltime: 0xffffffffffffffffn,
    id: 2147483647,
    addr: ip4,
    port: 7946,
    sourceNode: 'src',
    filters: [],
    flags: 3,
    relayFactor: 255,
    timeoutNs: -1_500_000_000n,
    name: 'q',
    payload: new Uint8Array(0),
  },
  'serf-query-nil-filters': {
    type: 'query',
    ltime: 1n << 32n,
    id: 0,
    addr: ip16,
    port: 0,
    sourceNode: '',
    filters: null,
    flags: 0,
    relayFactor: 0,
    timeoutNs: -(1n << 63n),
    name: '',
    payload: null,
  },
  'serf-user-event': { type: 'userEvent', ltime: 255n, name: 'deploy', payload: null, cc: false },
  'serf-push-pull-nil': {
    type: 'pushPull',
    ltime: 1n,
    statusLTimes: null,
    leftMembers: null,
    eventLTime: 2n,
    events: null,
    queryLTime: 3n,
  },
  'serf-push-pull-empty': {
    type: 'pushPull',
    ltime: 1n,
    statusLTimes: new Map(),
    leftMembers: [],
    eventLTime: 2n,
    events: [],
    queryLTime: 3n,
  },
  'serf-push-pull-events': {
    type: 'pushPull',
    ltime: 7n,
    statusLTimes: new Map([['a', 1n]]),
    leftMembers: ['z'],
    eventLTime: 9n,
    events: [
      null,
      {
        ltime: 8n,
        events: [
          { name: 'e', payload: new TextEncoder().encode('p') },
          { name: 'f', payload: null },
        ],
      },
      { ltime: 3n, events: null },
    ],
    queryLTime: 4n,
  },
  'serf-conflict-member': {
    type: 'conflictResponse',
    member: {
      name: 'q',
      addr: ip4,
      port: 7946,
      tags: new Map([['k', 'v']]),
      status: 4,
      protocolMin: 1,
      protocolMax: 5,
      protocolCur: 2,
      delegateMin: 2,
      delegateMax: 5,
      delegateCur: 5,
    },
  },
  'serf-conflict-nil': { type: 'conflictResponse', member: null },
  'serf-key-response-empty-keys': {
    type: 'keyResponse',
    result: false,
    message: 'no',
    keys: [],
    primaryKey: '',
  },
  'serf-relay': {
    type: 'relay',
    destAddr: { ip: ip16, port: 65535, zone: 'eth0' },
    destName: 'dst',
    message: { type: 'join', ltime: 300n, node: 'j' },
  },
};

describe('golden msgpack vectors from go-msgpack 0.5.5', () => {
  for (const [name, m] of Object.entries(packets)) {
    test(`packet ${name}`, () => {
      const go = goldenMsgpack(name);
      assert.equal(toHex(encodePacket(m)), toHex(go));
      assert.deepEqual(decodePacket(go, DEFAULT_MEMBERLIST_LIMITS), m);
    });
  }

  test('packet ping-name-65536: a 64 KiB name takes str32 and is refused by the name limit', () => {
    const go = goldenMsgpack('ping-name-65536');
    const m = ping(127, n(65536));
    assert.equal(toHex(encodePacket(m)), toHex(go));
    assert.equal(go[1 + 1 + 5], 0xdb, 'str32 header after the "Node" key');
    const roomy = memberlistLimits({ nameBytesMax: 65536, packetBytesMax: 1 << 20 });
    assert.deepEqual(decodePacket(go, roomy), m);
    assert.throws(() => decodePacket(go, memberlistLimits({ packetBytesMax: 1 << 20 })), {
      code: 'HEARSAY_ERR_DECODE_OVERSIZE',
      message: /nameBytesMax/,
    });
  });

  for (const [name, m] of Object.entries(streams)) {
    test(`stream ${name}`, () => {
      const go = goldenMsgpack(name);
      assert.equal(toHex(encodeStream(m)), toHex(go));
      assert.deepEqual(decodeStream(go, DEFAULT_MEMBERLIST_LIMITS), m);
    });
  }

  for (const [name, m] of Object.entries(serf)) {
    test(`serf ${name}`, () => {
      const go = goldenMsgpack(name);
      assert.equal(toHex(encodeSerfMessage(m)), toHex(go));
      assert.deepEqual(decodeSerfMessage(go, DEFAULT_SERF_LIMITS), m);
    });
  }

  test('serf coordinate with infinities and signed zero', () => {
    const c: Coordinate = {
      vec: [0, -0.5, Number.POSITIVE_INFINITY, 1e-300],
      error: 1.5,
      adjustment: -2.25e-5,
      height: 1e-5,
    };
    const go = goldenMsgpack('serf-coordinate');
    assert.equal(toHex(encodePingPayload(c)), toHex(go));
    assert.deepEqual(decodePingPayload(go, DEFAULT_SERF_LIMITS), c);
  });

  const filters: Record<string, QueryFilter> = {
    'serf-filter-node': { type: 'node', nodes: ['a', 'b'] },
    'serf-filter-tag': { type: 'tag', tag: 'role', expr: '^web$' },
  };
  for (const [name, f] of Object.entries(filters)) {
    test(`query filter ${name}`, () => {
      const go = goldenMsgpack(name);
      assert.equal(toHex(encodeFilter(f)), toHex(go));
      assert.deepEqual(decodeFilter(go, DEFAULT_SERF_LIMITS), f);
    });
  }

  test('every golden msgpack vector is covered by a case above', () => {
    const covered = new Set([
      ...Object.keys(packets),
      ...Object.keys(streams),
      ...Object.keys(serf),
      ...Object.keys(filters),
      'ping-name-65536',
      'serf-coordinate',
    ]);
    for (const v of goldenVectors().msgpack) assert.ok(covered.has(v.name), v.name);
  });
});

describe("golden LZW vectors from Go's compress/lzw (LSB, literal width 8)", () => {
  for (const v of goldenVectors().lzw) {
    test(`${v.name} (${v.length} bytes)`, () => {
      const input = goldenLzwInput(v);
      assert.equal(toHex(lzwCompress(input)), v.hex, 'compressed exactly as Go');
      assert.deepEqual(lzwDecompress(fromHex(v.hex), 1 << 20), input, 'decompressed back');
    });
  }

  test('the long vectors go past 4095 codes, so the writer must have reset its table', () => {
    for (const name of ['binary-20k-resets', 'small-alphabet-40k-resets']) {
      const v = goldenVectors().lzw.find((x) => x.name === name)!;
      // Codes are at most 12 bits and never exceed 4094 (the writer resets first): more than
      // 4095 codes in the stream means at least one reset happened.
      const codesAtLeast = Math.floor((fromHex(v.hex).length * 8) / 12);
      assert.ok(codesAtLeast > 4095, `${name}: ${codesAtLeast} codes`);
    }
  });
});
