/**
 * Property tests (fast-check, fixed seeds, a few seconds in all):
 *
 *   1. hostile bytes — random, or captured packets mutated (bit flips, cuts, insertions,
 *      msgpack-looking bytes) — only ever yield a value or a `RemoteError`, from every
 *      decoder of the wire format;
 *   2. whatever decodes re-encodes to something that decodes to the same value (the codec
 *      has one canonical form);
 *   3. random valid messages of every type survive encode → decode unchanged.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RemoteError } from '../../../src/core/errors.ts';
import { removeLabel } from '../../../src/membership/wire/framing.ts';
import { DEFAULT_MEMBERLIST_LIMITS as LIMITS } from '../../../src/membership/wire/limits.ts';
import { lzwDecompress } from '../../../src/membership/wire/lzw.ts';
import type {
  Packet,
  PacketMessage,
  PushNodeState,
  Stream,
  StreamMessage,
  Vsn,
} from '../../../src/membership/wire/messages.ts';
import { decodePacket, encodePacket } from '../../../src/membership/wire/packet-codec.ts';
import { decodeSerfMessage, encodeSerfMessage } from '../../../src/membership/wire/serf/codec.ts';
import { decodePingPayload } from '../../../src/membership/wire/serf/coordinate.ts';
import { decodeFilter } from '../../../src/membership/wire/serf/filters.ts';
import { DEFAULT_SERF_LIMITS as SERF_LIMITS } from '../../../src/membership/wire/serf/limits.ts';
import type { SerfMember, SerfMessage } from '../../../src/membership/wire/serf/messages.ts';
import { decodeTags } from '../../../src/membership/wire/serf/tags.ts';
import {
  decodeStream,
  encodeStream,
  streamMessageBytes,
} from '../../../src/membership/wire/stream-codec.ts';
import { fromHex, memberlistVectors } from './fixtures.ts';

/** Runs `f`; a RemoteError counts as a clean refusal, anything else thrown fails the property. */
function valueOrRemoteError<T>(f: () => T): T | RemoteError {
  try {
    return f();
  } catch (e) {
    if (e instanceof RemoteError) return e;
    throw e;
  }
}

const decoders: Record<string, (b: Uint8Array) => unknown> = {
  decodePacket: (b) => decodePacket(b, LIMITS),
  decodeStream: (b) => decodeStream(b, LIMITS),
  streamMessageBytes: (b) => streamMessageBytes(b, LIMITS),
  decodeSerfMessage: (b) => decodeSerfMessage(b, SERF_LIMITS),
  decodeTags: (b) => decodeTags(b, SERF_LIMITS),
  decodePingPayload: (b) => decodePingPayload(b, SERF_LIMITS),
  decodeFilter: (b) => decodeFilter(b, SERF_LIMITS),
  removeLabel: (b) => removeLabel(b),
  lzwDecompress: (b) => lzwDecompress(b, 1 << 16),
};

/** Plaintext of every captured memberlist vector: the seeds of the mutation test. */
const seeds = memberlistVectors().map((v) => {
  const enc = v.decoded.encryption as { plaintextHex: string } | undefined;
  return { transport: v.transport, bytes: fromHex(enc?.plaintextHex ?? v.hex) };
});

/** A byte that often starts a msgpack value or a type, to steer mutations into parsers. */
const interestingByte = fc.constantFrom(
  0x00,
  0x07,
  0x08,
  0x09,
  0x0c,
  0x7f,
  0x80,
  0x8f,
  0x90,
  0xa0,
  0xbf,
  0xc0,
  0xc1,
  0xc4,
  0xcc,
  0xcd,
  0xce,
  0xcf,
  0xd0,
  0xd3,
  0xd9,
  0xda,
  0xdb,
  0xdc,
  0xdd,
  0xde,
  0xdf,
  0xe0,
  0xf4,
  0xff,
);

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: interestingByte }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 8 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.count)]);
        break;
    }
  }
  return b;
}

describe('hostile bytes yield a value or a RemoteError', () => {
  for (const [name, decode] of Object.entries(decoders)) {
    test(`${name}: random bytes`, () => {
      const typed = fc
        .tuple(fc.integer({ min: 0, max: 14 }), fc.uint8Array({ maxLength: 200 }))
        .map(([t, rest]) => Uint8Array.from([t, ...rest]));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), typed), (bytes) => {
          valueOrRemoteError(() => decode(bytes));
        }),
        { seed: 0x5eed, numRuns: 400 },
      );
    });
  }

  test('mutated captured packets and streams: refused, or decoded to a canonical value', () => {
    let decoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (i, mutations) => {
          const seed = seeds[i]!;
          const bytes = mutate(seed.bytes, mutations);
          const isUdp = seed.transport === 'udp';
          const result = valueOrRemoteError<Packet | Stream>(() =>
            isUdp ? decodePacket(bytes, LIMITS) : decodeStream(bytes, LIMITS),
          );
          if (result instanceof RemoteError) {
            refused++;
            return;
          }
          decoded++;
          // What decodes has one canonical encoding, which decodes to the same value.
          const again = isUdp
            ? decodePacket(encodePacket(result as Packet), LIMITS)
            : decodeStream(encodeStream(result as Stream), LIMITS);
          assert.deepEqual(again, result);
          // Serf payloads inside the survivors go through the Serf decoders too.
          valueOrRemoteError(() => visitSerf(result));
        },
      ),
      { seed: 0xbadc0de, numRuns: 2000 },
    );
    assert.ok(
      decoded > 0 && refused > 0,
      `both outcomes seen (${decoded} decoded, ${refused} refused)`,
    );
  });
});

function visitSerf(m: Packet | Stream | PacketMessage | StreamMessage): void {
  switch (m.type) {
    case 'hasCrc':
    case 'compress':
      visitSerf(m.message);
      return;
    case 'compound':
      for (const p of m.parts) visitSerf(p);
      return;
    case 'user':
      valueOrRemoteError(() => decodeSerfMessage(m.payload, SERF_LIMITS));
      return;
    case 'alive':
      valueOrRemoteError(() => decodeTags(m.meta, SERF_LIMITS));
      return;
    case 'pushPull':
      valueOrRemoteError(() => decodeSerfMessage(m.userState, SERF_LIMITS));
      return;
    case 'ack':
      if (m.payload !== null) valueOrRemoteError(() => decodePingPayload(m.payload!, SERF_LIMITS));
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------
// Arbitraries for valid messages

const name = fc
  .oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 8 }))
  .filter((s) => s.isWellFormed());
const addr = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
const optionalAddr = fc.oneof(fc.constant(new Uint8Array(0)), addr);
const u32 = fc.nat({ max: 0xffffffff });
const u16 = fc.nat({ max: 0xffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const nullableBytes = (max: number) => fc.option(bytes(max), { nil: null });
const vsn: fc.Arbitrary<Vsn | null> = fc.option(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)),
  { nil: null },
);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const leaf: fc.Arbitrary<PacketMessage> = fc.oneof(
  fc.record({
    type: fc.constant('ping' as const),
    seqNo: u32,
    node: name,
    sourceAddr: optionalAddr,
    sourcePort: u16,
    sourceNode: name,
  }),
  fc.record({
    type: fc.constant('indirectPing' as const),
    seqNo: u32,
    target: addr,
    port: u16,
    node: name,
    nack: fc.boolean(),
    sourceAddr: optionalAddr,
    sourcePort: u16,
    sourceNode: name,
  }),
  fc.record({ type: fc.constant('ack' as const), seqNo: u32, payload: nullableBytes(200) }),
  fc.record({ type: fc.constant('nack' as const), seqNo: u32 }),
  fc.record({ type: fc.constant('suspect' as const), incarnation: u32, node: name, from: name }),
  fc.record({ type: fc.constant('dead' as const), incarnation: u32, node: name, from: name }),
  fc.record({
    type: fc.constant('alive' as const),
    incarnation: u32,
    node: name,
    addr,
    port: u16,
    meta: nullableBytes(512),
    vsn,
  }),
  fc.record({ type: fc.constant('user' as const), payload: bytes(200) }),
);

const packetMessage: fc.Arbitrary<PacketMessage> = fc.letrec<{ m: PacketMessage }>((tie) => ({
  m: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      type: fc.constant('compound' as const),
      parts: fc.array(tie('m'), { maxLength: 6 }),
    }),
    fc.record({ type: fc.constant('compress' as const), message: tie('m') }),
  ),
})).m;

/** Containers nest at most `nestingDepthMax` deep; deeper trees are valid for Go but not for us. */
function depth(m: PacketMessage): number {
  if (m.type === 'compound') return 1 + Math.max(0, ...m.parts.map(depth));
  if (m.type === 'compress') return 1 + depth(m.message);
  return 0;
}

const packet: fc.Arbitrary<Packet> = packetMessage
  .filter((m) => depth(m) <= LIMITS.nestingDepthMax)
  .chain((m) => fc.constantFrom<Packet>(m, { type: 'hasCrc', message: m }));

const nodeState: fc.Arbitrary<PushNodeState> = fc.record({
  name,
  addr,
  port: u16,
  meta: nullableBytes(512),
  incarnation: u32,
  state: fc.integer({ min: -5, max: 5 }),
  vsn,
});

const streamMessage: fc.Arbitrary<StreamMessage> = fc.oneof(
  fc.record({
    type: fc.constant('pushPull' as const),
    join: fc.boolean(),
    nodes: fc.array(nodeState, { maxLength: 5 }),
    userState: bytes(300),
  }),
  fc.record({
    type: fc.constant('ping' as const),
    seqNo: u32,
    node: name,
    sourceAddr: optionalAddr,
    sourcePort: u16,
    sourceNode: name,
  }),
  fc.record({ type: fc.constant('ack' as const), seqNo: u32, payload: nullableBytes(100) }),
  fc.record({ type: fc.constant('user' as const), payload: bytes(300) }),
  fc.record({ type: fc.constant('err' as const), error: name }),
);

const stream: fc.Arbitrary<Stream> = streamMessage.chain((m) =>
  fc.constantFrom<Stream>(m, { type: 'compress', message: m }),
);

const stringMap = fc
  .uniqueArray(fc.tuple(name, name), { maxLength: 5, selector: ([k]) => k })
  .map((entries) => new Map(entries));

const member: fc.Arbitrary<SerfMember> = fc.record({
  name,
  addr: optionalAddr,
  port: u16,
  tags: fc.option(stringMap, { nil: null }),
  status: fc.integer({ min: -1, max: 5 }),
  protocolMin: fc.nat(255),
  protocolMax: fc.nat(255),
  protocolCur: fc.nat(255),
  delegateMin: fc.nat(255),
  delegateMax: fc.nat(255),
  delegateCur: fc.nat(255),
});

const serfLeaf: fc.Arbitrary<SerfMessage> = fc.oneof(
  fc.record({ type: fc.constant('join' as const), ltime: u64, node: name }),
  fc.record({ type: fc.constant('leave' as const), ltime: u64, node: name, prune: fc.boolean() }),
  fc.record({
    type: fc.constant('userEvent' as const),
    ltime: u64,
    name,
    payload: nullableBytes(100),
    cc: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('query' as const),
    ltime: u64,
    id: u32,
    addr,
    port: u16,
    sourceNode: name,
    filters: fc.option(fc.array(bytes(20), { maxLength: 3 }), { nil: null }),
    flags: u32,
    relayFactor: fc.nat(255),
    timeoutNs: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    name,
    payload: nullableBytes(100),
  }),
  fc.record({
    type: fc.constant('queryResponse' as const),
    ltime: u64,
    id: u32,
    from: name,
    flags: u32,
    payload: nullableBytes(100),
  }),
  fc.record({
    type: fc.constant('pushPull' as const),
    ltime: u64,
    statusLTimes: fc.option(
      fc
        .uniqueArray(fc.tuple(name, u64), { maxLength: 5, selector: ([k]) => k })
        .map((e) => new Map(e)),
      { nil: null },
    ),
    leftMembers: fc.option(fc.array(name, { maxLength: 4 }), { nil: null }),
    eventLTime: u64,
    events: fc.option(
      fc.array(
        fc.option(
          fc.record({
            ltime: u64,
            events: fc.option(
              fc.array(fc.record({ name, payload: nullableBytes(20) }), { maxLength: 3 }),
              {
                nil: null,
              },
            ),
          }),
          { nil: null },
        ),
        { maxLength: 20 },
      ),
      { nil: null },
    ),
    queryLTime: u64,
  }),
  fc.record({
    type: fc.constant('conflictResponse' as const),
    member: fc.option(member, { nil: null }),
  }),
  fc.record({ type: fc.constant('keyRequest' as const), key: nullableBytes(32) }),
  fc.record({
    type: fc.constant('keyResponse' as const),
    result: fc.boolean(),
    message: name,
    keys: fc.option(fc.array(name, { maxLength: 4 }), { nil: null }),
    primaryKey: name,
  }),
);

const serfMessage: fc.Arbitrary<SerfMessage> = fc.oneof(
  serfLeaf,
  fc.record({
    type: fc.constant('relay' as const),
    destAddr: fc.record({ ip: addr, port: u16, zone: name }),
    destName: name,
    message: serfLeaf,
  }),
);

/** fast-check records have a null prototype; decoded objects have Object's. */
function plain<T>(value: T): T {
  return structuredClone(value);
}

describe('random valid messages round-trip', () => {
  test('packets (nested compound/compress, CRC)', () => {
    fc.assert(
      fc.property(packet.map(plain), (p) => {
        assert.deepEqual(decodePacket(encodePacket(p), LIMITS), p);
      }),
      { seed: 101, numRuns: 400 },
    );
  });

  test('streams (push/pull, ping, ack, user, err; plain or compressed)', () => {
    fc.assert(
      fc.property(stream.map(plain), (s) => {
        const bytes = encodeStream(s);
        assert.equal(streamMessageBytes(bytes, LIMITS), bytes.length);
        assert.deepEqual(decodeStream(bytes, LIMITS), s);
      }),
      { seed: 202, numRuns: 300 },
    );
  });

  test('Serf messages (every type, relay included)', () => {
    fc.assert(
      fc.property(serfMessage.map(plain), (m) => {
        assert.deepEqual(decodeSerfMessage(encodeSerfMessage(m), SERF_LIMITS), m);
      }),
      { seed: 303, numRuns: 400 },
    );
  });
});
