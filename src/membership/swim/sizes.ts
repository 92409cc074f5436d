/**
 * Exact wire sizes of memberlist messages, computed without encoding.
 *
 * The packet budget (piggybacking, gossip compounds) and the simulator's bandwidth model
 * need the byte length of messages many times per second per node; encoding each one to
 * measure it would dominate a 1,000-node simulation. These functions follow the go-msgpack
 * rules of `wire/go-msgpack-writer.ts` (shortest unsigned ints, str family, fixmap for our
 * ≤ 15-key structs, omitempty source fields) and the framing of `wire/packet-codec.ts` and
 * `wire/stream-codec.ts`; test/membership/swim/sizes.test.ts checks them against the
 * encoders on every message type.
 *
 * The one size that cannot be computed is a compress wrapper's (it depends on the LZW
 * output): `rememberCompressedSize` lets whoever compressed record it, and otherwise it is
 * measured by encoding once and cached per message object.
 */

import type { SwimMessage } from '../types.ts';
import type {
  Alive,
  Compress,
  PacketMessage,
  PushNodeState,
  StreamMessage,
  Vsn,
} from '../wire/messages.ts';
import { encodePacketMessage } from '../wire/packet-codec.ts';
import { encodeStream } from '../wire/stream-codec.ts';

/** Bytes of a msgpack str-family header plus `n` bytes of content. */
export function strBytes(n: number): number {
  return n < 32 ? 1 + n : n < 0x10000 ? 3 + n : 5 + n;
}

/** Bytes of a non-negative integer in go-msgpack's shortest unsigned form. */
export function uintBytes(v: number): number {
  return v <= 0x7f ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}

/** Bytes of a signed Go int. */
function intBytes(v: number): number {
  if (v >= 0) return uintBytes(v);
  return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : v >= -2147483648 ? 5 : 9;
}

/** UTF-8 length of a string (ASCII fast path; names are nearly always ASCII). */
export function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a surrogate pair: 2 UTF-16 units → 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

function nameBytes(s: string): number {
  return strBytes(utf8Bytes(s));
}

/** A fixstr key of `k` characters (all our keys are ASCII and short). */
const key = (k: string): number => 1 + k.length;

function bytesOrNil(b: Uint8Array | null): number {
  return b === null ? 1 : strBytes(b.length);
}

function vsnBytes(v: Vsn | null): number {
  return v === null ? 1 : 7;
}

const ALIVE_FIXED =
  1 + key('Addr') + key('Incarnation') + key('Meta') + key('Node') + key('Port') + key('Vsn');

export function aliveBodyBytes(m: Alive): number {
  return (
    ALIVE_FIXED +
    strBytes(m.addr.length) +
    uintBytes(m.incarnation) +
    bytesOrNil(m.meta) +
    nameBytes(m.node) +
    uintBytes(m.port) +
    vsnBytes(m.vsn)
  );
}

const SOURCE_FIELDS = key('SourceAddr');

/** Wire bytes of one packet message, type byte included. */
export function packetMessageBytes(m: PacketMessage): number {
  switch (m.type) {
    case 'ping': {
      let n = 1 + 1 + key('Node') + nameBytes(m.node) + key('SeqNo') + uintBytes(m.seqNo);
      if (m.sourceAddr.length > 0) n += SOURCE_FIELDS + strBytes(m.sourceAddr.length);
      if (m.sourceNode !== '') n += SOURCE_FIELDS + nameBytes(m.sourceNode);
      if (m.sourcePort !== 0) n += SOURCE_FIELDS + uintBytes(m.sourcePort);
      return n;
    }
    case 'indirectPing': {
      let n =
        1 +
        1 +
        key('Nack') +
        1 +
        key('Node') +
        nameBytes(m.node) +
        key('Port') +
        uintBytes(m.port) +
        key('SeqNo') +
        uintBytes(m.seqNo) +
        key('Target') +
        strBytes(m.target.length);
      if (m.sourceAddr.length > 0) n += SOURCE_FIELDS + strBytes(m.sourceAddr.length);
      if (m.sourceNode !== '') n += SOURCE_FIELDS + nameBytes(m.sourceNode);
      if (m.sourcePort !== 0) n += SOURCE_FIELDS + uintBytes(m.sourcePort);
      return n;
    }
    case 'ack':
      return 1 + 1 + key('Payload') + bytesOrNil(m.payload) + key('SeqNo') + uintBytes(m.seqNo);
    case 'nack':
      return 1 + 1 + key('SeqNo') + uintBytes(m.seqNo);
    case 'suspect':
    case 'dead':
      return (
        1 +
        1 +
        key('From') +
        nameBytes(m.from) +
        key('Incarnation') +
        uintBytes(m.incarnation) +
        key('Node') +
        nameBytes(m.node)
      );
    case 'alive':
      return 1 + aliveBodyBytes(m);
    case 'user':
      return 1 + m.payload.length;
    case 'compound': {
      let n = 2 + 2 * m.parts.length;
      for (const p of m.parts) n += packetMessageBytes(p);
      return n;
    }
    case 'compress':
      return compressBytes(m);
  }
}

const PUSH_NODE_FIXED =
  1 +
  key('Addr') +
  key('Incarnation') +
  key('Meta') +
  key('Name') +
  key('Port') +
  key('State') +
  key('Vsn');

export function pushNodeStateBytes(s: PushNodeState): number {
  return (
    PUSH_NODE_FIXED +
    strBytes(s.addr.length) +
    uintBytes(s.incarnation) +
    bytesOrNil(s.meta) +
    nameBytes(s.name) +
    uintBytes(s.port) +
    intBytes(s.state) +
    vsnBytes(s.vsn)
  );
}

/** Wire bytes of one stream message (without a compress wrapper), type byte included. */
export function streamMessageBytes(m: StreamMessage): number {
  switch (m.type) {
    case 'pushPull': {
      let n =
        1 +
        1 +
        key('Join') +
        1 +
        key('Nodes') +
        intBytes(m.nodes.length) +
        key('UserStateLen') +
        intBytes(m.userState.length);
      for (const s of m.nodes) n += pushNodeStateBytes(s);
      return n + m.userState.length;
    }
    case 'err':
      return 1 + 1 + key('Error') + nameBytes(m.error);
    case 'user':
      return 1 + 1 + key('UserMsgLen') + intBytes(m.payload.length) + m.payload.length;
    case 'ping':
    case 'ack':
      return packetMessageBytes(m);
  }
}

const compressedSizes = new WeakMap<object, number>();

/** Records the encoded size of a compress wrapper its builder already measured. */
export function rememberCompressedSize(m: Compress<unknown>, bytes: number): void {
  compressedSizes.set(m, bytes);
}

function compressBytes(m: Compress<PacketMessage> | Compress<StreamMessage>): number {
  let n = compressedSizes.get(m);
  if (n === undefined) {
    n = isStreamOnly(m.message)
      ? encodeStream(m as Compress<StreamMessage>).length
      : encodePacketMessage(m as Compress<PacketMessage>).length;
    compressedSizes.set(m, n);
  }
  return n;
}

/** pushPull and err never travel in a packet. */
export function isStreamOnly(m: { readonly type: string }): boolean {
  return m.type === 'pushPull' || m.type === 'err';
}

/**
 * Wire bytes of anything a SWIM node sends. A user message is measured in its packet
 * form (its stream form adds a 13-byte header), everything else exactly.
 */
export function swimMessageBytes(m: SwimMessage): number {
  switch (m.type) {
    case 'hasCrc':
      return 5 + packetMessageBytes(m.message);
    case 'pushPull':
    case 'err':
      return streamMessageBytes(m);
    case 'compress':
      return compressBytes(m as Compress<PacketMessage> | Compress<StreamMessage>);
    default:
      return packetMessageBytes(m);
  }
}
