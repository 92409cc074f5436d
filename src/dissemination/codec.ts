/**
 * Wire format of the dissemination family, and its size model for the simulator.
 *
 *   byte 0   wire version (1)
 *   byte 1   message type code (`TYPE_CODES`)
 *   byte 2…  msgpack array, positional per type:
 *              push      [items, feedback: bool]
 *              feedback  [known: str[]]
 *              pull      [ids: str[]]
 *              syn       [ids: str[]]
 *              ack       [offer: str[], want: str[]]
 *              ack2      [items, want: str[]]
 *              items     [items]
 *            where items is an array of [id: str, data: bin, hops: uint].
 *
 * Positional arrays instead of maps: no key bytes on every item, and the version byte is
 * what lets the layout evolve. Decoding is hostile-input code: the packet limit is checked
 * before parsing, `unpackMsgpack` refuses impossible lengths and extension types, and every
 * field goes through a `validate.ts` reader, so `decode` throws only `RemoteError`.
 *
 * Pair assertions (TigerBeetle): `encode` asserts that the message it is handed obeys the
 * same limits `decode` enforces, and that the result fits in a packet. A protocol that
 * builds an oversize message has a bug: it must chunk with `sizeOf` first. Because decode
 * refuses whatever encode would refuse, a received message can always be re-sent.
 *
 * `sizeOf` adds up msgpack sizes without encoding (the simulator calls it per message); it
 * matches `encode(msg).length` exactly for valid messages (test/dissemination/codec.test.ts).
 */

import { ENVELOPE_HEADER_BYTES, readEnvelope, writeEnvelope } from '../codec/envelope.ts';
import { packMsgpack, unpackMsgpack } from '../codec/msgpack.ts';
import {
  MSGPACK_BOOL_BYTES,
  msgpackArrayHeaderBytes,
  msgpackBinBytes,
  msgpackStrBytes,
  msgpackUintBytes,
} from '../codec/sizes.ts';
import { utf8ByteLength } from '../codec/utf8.ts';
import {
  readArray,
  readBool,
  readBytes,
  readString,
  readStringArray,
  readTuple,
  readUint,
} from '../codec/validate.ts';
import { assert, RemoteError } from '../core/errors.ts';
import type { Codec } from '../core/protocol.ts';
import type { DisseminationMsg, DisseminationMsgType, Item } from './messages.ts';

export interface DisseminationLimits {
  /**
   * Largest packet, header included, in bytes. 65_000 fits one UDP datagram (65_507 is the
   * IPv4 maximum). Not 1400 (a safe Ethernet MTU): single items may be larger than an MTU,
   * loopback and the simulator carry them fine, and the real host enforces what its socket
   * can actually carry; protocols chunk to this limit with `sizeOf`.
   */
  readonly packetBytesMax: number;
  /** Items in one push/ack2/items message. */
  readonly itemsMax: number;
  /** Ids in one id list (a digest, `known`, `offer`, `want`). 8192 short ids fit a packet. */
  readonly idsMax: number;
  /** UTF-8 bytes of one id. */
  readonly idBytesMax: number;
  /** Bytes of one item's payload; below `packetBytesMax` so one item always fits. */
  readonly itemDataBytesMax: number;
}

export const DEFAULT_DISSEMINATION_LIMITS: DisseminationLimits = Object.freeze({
  packetBytesMax: 65_000,
  itemsMax: 1024,
  idsMax: 8192,
  idBytesMax: 256,
  itemDataBytesMax: 60_000,
});

export const WIRE_VERSION = 1;

/** Type codes on the wire. Never renumber: add new types at the end. */
export const TYPE_CODES: Readonly<Record<DisseminationMsgType, number>> = Object.freeze({
  push: 1,
  feedback: 2,
  pull: 3,
  syn: 4,
  ack: 5,
  ack2: 6,
  items: 7,
});

const TYPE_BY_CODE: readonly (DisseminationMsgType | undefined)[] = (() => {
  const byCode: (DisseminationMsgType | undefined)[] = [];
  for (const [t, code] of Object.entries(TYPE_CODES)) byCode[code] = t as DisseminationMsgType;
  return byCode;
})();

/** Body nesting: body array → items array → item array. */
const BODY_DEPTH_MAX = 3;
/** Fields in an item tuple. */
const ITEM_FIELDS = 3;
/** Largest hop count accepted: far above any real path, small enough to encode in 5 bytes. */
export const HOPS_MAX = 0xffff_ffff;

export function disseminationCodec(
  limits: Partial<DisseminationLimits> = {},
): Codec<DisseminationMsg> {
  const lim: DisseminationLimits = { ...DEFAULT_DISSEMINATION_LIMITS, ...limits };
  for (const [k, v] of Object.entries(lim)) {
    assert(Number.isSafeInteger(v) && v > 0, `dissemination limit ${k} must be a positive integer`);
  }
  const bodyLimits = {
    bytesMax: lim.packetBytesMax - ENVELOPE_HEADER_BYTES,
    depthMax: BODY_DEPTH_MAX,
  };

  // ---- encode side: assertions (a violation is our bug) ----

  const checkIds = (ids: readonly string[], what: string): void => {
    assert(ids.length <= lim.idsMax, `${what}: ${ids.length} ids exceed idsMax ${lim.idsMax}`);
    for (const id of ids) checkId(id, what);
  };
  const checkId = (id: string, what: string): void => {
    assert(typeof id === 'string' && id.isWellFormed(), `${what}: id must be a well-formed string`);
    assert(utf8ByteLength(id) <= lim.idBytesMax, `${what}: id longer than idBytesMax`);
  };
  const checkItems = (items: readonly Item[], what: string): void => {
    assert(items.length <= lim.itemsMax, `${what}: ${items.length} items exceed itemsMax`);
    for (const it of items) {
      checkId(it.id, what);
      assert(it.data instanceof Uint8Array, `${what}: item data must be a Uint8Array`);
      assert(it.data.length <= lim.itemDataBytesMax, `${what}: item data over itemDataBytesMax`);
      assert(
        Number.isInteger(it.hops) && it.hops >= 0 && it.hops <= HOPS_MAX && !Object.is(it.hops, -0),
        `${what}: hops must be an integer in [0, ${HOPS_MAX}]`,
      );
    }
  };
  // msgpackr packs a Buffer and a plain Uint8Array alike as bin; mapping keeps the body
  // free of our object shapes.
  const itemsBody = (items: readonly Item[]): unknown[] =>
    items.map((it) => [it.id, it.data, it.hops]);

  function body(msg: DisseminationMsg): unknown[] {
    switch (msg.t) {
      case 'push':
        checkItems(msg.items, 'push.items');
        assert(typeof msg.feedback === 'boolean', 'push.feedback must be a boolean');
        return [itemsBody(msg.items), msg.feedback];
      case 'feedback':
        checkIds(msg.known, 'feedback.known');
        return [msg.known];
      case 'pull':
        checkIds(msg.ids, 'pull.ids');
        return [msg.ids];
      case 'syn':
        checkIds(msg.ids, 'syn.ids');
        return [msg.ids];
      case 'ack':
        checkIds(msg.offer, 'ack.offer');
        checkIds(msg.want, 'ack.want');
        return [msg.offer, msg.want];
      case 'ack2':
        checkItems(msg.items, 'ack2.items');
        checkIds(msg.want, 'ack2.want');
        return [itemsBody(msg.items), msg.want];
      case 'items':
        checkItems(msg.items, 'items.items');
        return [itemsBody(msg.items)];
    }
  }

  function encode(msg: DisseminationMsg): Uint8Array {
    const code = TYPE_CODES[msg.t];
    assert(code !== undefined, `unknown dissemination message type ${String(msg.t)}`);
    const packet = writeEnvelope(WIRE_VERSION, code, packMsgpack(body(msg)));
    assert(
      packet.length <= lim.packetBytesMax,
      `${msg.t} message of ${packet.length} bytes exceeds packetBytesMax ${lim.packetBytesMax}; chunk it with sizeOf`,
    );
    return packet;
  }

  // ---- decode side: validation (a violation is the peer's fault) ----

  const readIds = (v: unknown, field: string): string[] =>
    readStringArray(v, field, lim.idsMax, lim.idBytesMax);

  function readItems(v: unknown, field: string): Item[] {
    const xs = readArray(v, field, lim.itemsMax);
    const out = new Array<Item>(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const at = (): string => `${field}[${i}]`;
      const tuple = readTuple(xs[i], at, ITEM_FIELDS);
      out[i] = {
        id: readString(tuple[0], () => `${at()}.id`, lim.idBytesMax),
        data: readBytes(tuple[1], () => `${at()}.data`, lim.itemDataBytesMax),
        hops: readUint(tuple[2], () => `${at()}.hops`, HOPS_MAX),
      };
    }
    return out;
  }

  function decode(packet: Uint8Array): DisseminationMsg {
    if (packet.length > lim.packetBytesMax) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_OVERSIZE',
        `packet of ${packet.length} bytes exceeds packetBytesMax ${lim.packetBytesMax}`,
      );
    }
    const env = readEnvelope(packet, { versionMin: WIRE_VERSION, versionMax: WIRE_VERSION });
    const t = TYPE_BY_CODE[env.typeCode];
    if (t === undefined) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `dissemination message type code ${env.typeCode} is unknown`,
      );
    }
    const raw = unpackMsgpack(env.body, bodyLimits);
    let msg: DisseminationMsg;
    switch (t) {
      case 'push': {
        const b = readTuple(raw, 'push', 2);
        msg = {
          t,
          items: readItems(b[0], 'push.items'),
          feedback: readBool(b[1], 'push.feedback'),
        };
        break;
      }
      case 'feedback': {
        const b = readTuple(raw, 'feedback', 1);
        msg = { t, known: readIds(b[0], 'feedback.known') };
        break;
      }
      case 'pull': {
        const b = readTuple(raw, 'pull', 1);
        msg = { t, ids: readIds(b[0], 'pull.ids') };
        break;
      }
      case 'syn': {
        const b = readTuple(raw, 'syn', 1);
        msg = { t, ids: readIds(b[0], 'syn.ids') };
        break;
      }
      case 'ack': {
        const b = readTuple(raw, 'ack', 2);
        msg = { t, offer: readIds(b[0], 'ack.offer'), want: readIds(b[1], 'ack.want') };
        break;
      }
      case 'ack2': {
        const b = readTuple(raw, 'ack2', 2);
        msg = { t, items: readItems(b[0], 'ack2.items'), want: readIds(b[1], 'ack2.want') };
        break;
      }
      case 'items': {
        const b = readTuple(raw, 'items', 1);
        msg = { t, items: readItems(b[0], 'items.items') };
        break;
      }
    }
    return msg;
  }

  // ---- size model ----
  // Indexed loops, not `for…of`: the simulator sizes every message it sends, and V8 left
  // the array iterator un-inlined here, allocating a result object per element.

  const idsBytes = (ids: readonly string[]): number => {
    let bytes = msgpackArrayHeaderBytes(ids.length);
    for (let i = 0; i < ids.length; i++) bytes += msgpackStrBytes(ids[i]!);
    return bytes;
  };

  const itemsBytes = (items: readonly Item[]): number => {
    let bytes = msgpackArrayHeaderBytes(items.length);
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      bytes +=
        msgpackArrayHeaderBytes(ITEM_FIELDS) +
        msgpackStrBytes(it.id) +
        msgpackBinBytes(it.data.length) +
        msgpackUintBytes(it.hops);
    }
    return bytes;
  };

  function sizeOf(msg: DisseminationMsg): number {
    let bytes = ENVELOPE_HEADER_BYTES;
    switch (msg.t) {
      case 'push':
        bytes += msgpackArrayHeaderBytes(2) + itemsBytes(msg.items) + MSGPACK_BOOL_BYTES;
        break;
      case 'feedback':
        bytes += msgpackArrayHeaderBytes(1) + idsBytes(msg.known);
        break;
      case 'pull':
      case 'syn':
        bytes += msgpackArrayHeaderBytes(1) + idsBytes(msg.ids);
        break;
      case 'ack':
        bytes += msgpackArrayHeaderBytes(2) + idsBytes(msg.offer) + idsBytes(msg.want);
        break;
      case 'ack2':
        bytes += msgpackArrayHeaderBytes(2) + itemsBytes(msg.items) + idsBytes(msg.want);
        break;
      case 'items':
        bytes += msgpackArrayHeaderBytes(1) + itemsBytes(msg.items);
        break;
    }
    return bytes;
  }

  return { encode, decode, sizeOf, typeOf: (msg) => msg.t };
}
