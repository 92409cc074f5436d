/**
 * UDP packets: the bytes of one datagram after decryption and label removal.
 *
 * Layout, outermost first (memberlist-wire.md §4):
 *
 *   [0c crc32-BE]                         hasCrc, only at the top, checked over the rest
 *   07 n len_1..len_n(u16 BE) msg_1..msg_n compound: parts are complete messages
 *   09 {Algo: 0, Buf: lzw(message)}        compress: one complete message inside
 *   08 bytes…                              user: opaque delegate bytes to the end
 *   00|01|02|03|04|05|0b msgpack-body      probe and gossip messages
 *
 * Compound and compress nest (Go sends compress → compound → messages); our decoder bounds
 * the depth (`nestingDepthMax`) and the *total* decompressed bytes of one packet
 * (`packetDecompressedBytesMax`), so a compound of compressed compounds cannot multiply its
 * way past the limit.
 *
 * Where we are stricter than Go, and why (each is something Go never sends):
 *   - a compound whose length table promises more bytes than remain is TRUNCATED as a whole
 *     (Go keeps the parts that fit); a zero-length part is MALFORMED (Go panics on it);
 *   - bytes after a message body, or after the last compound part, are MALFORMED (Go
 *     ignores them): with them the packet could not be re-encoded identically;
 *   - a hasCrc anywhere but at the top, and stream-only types (pushPull, err, encrypt) are
 *     MALFORMED; unknown type bytes are UNKNOWN_TYPE (Go logs and drops both).
 *
 * Encoding is deterministic and byte-identical to a Go node's for the same message tree:
 * bodies as in `bodies.ts`, compression with Go's LZW writer, the CRC computed here.
 */

import { assert, RemoteError } from '../../core/errors.ts';
import {
  readAck,
  readAlive,
  readCompressBody,
  readIndirectPing,
  readNack,
  readPing,
  readSuspectOrDead,
  writeAck,
  writeAlive,
  writeCompressBody,
  writeIndirectPing,
  writeNack,
  writePing,
  writeSuspectOrDead,
} from './bodies.ts';
import { crc32 } from './crc32.ts';
import {
  GoMsgpackReader,
  malformedError,
  oversizeError,
  truncatedError,
} from './go-msgpack-reader.ts';
import { GoMsgpackWriter } from './go-msgpack-writer.ts';
import type { MemberlistLimits } from './limits.ts';
import { lzwCompress, lzwDecompress } from './lzw.ts';
import { COMPRESSION_ALGO_LZW, MESSAGE_TYPE, type Packet, type PacketMessage } from './messages.ts';

/** Go's compound decoder computes `n*2` in 8 bits: more parts than this are mis-sliced. */
export const COMPOUND_PARTS_SEND_MAX = 127;
/** A compound part's length is a uint16. */
export const COMPOUND_PART_BYTES_MAX = 0xffff;
export const CRC_HEADER_BYTES = 5;

// ---------------------------------------------------------------------------------------
// Encoding

/** Encodes a packet (optionally CRC-wrapped) to the bytes a Go node would send. */
export function encodePacket(packet: Packet): Uint8Array {
  if (packet.type !== 'hasCrc') return encodePacketMessage(packet);
  const inner = encodePacketMessage(packet.message);
  const out = new Uint8Array(CRC_HEADER_BYTES + inner.length);
  out[0] = MESSAGE_TYPE.hasCrc;
  new DataView(out.buffer).setUint32(1, crc32(inner));
  out.set(inner, CRC_HEADER_BYTES);
  return out;
}

/**
 * LZW output already computed for a compress wrapper. Whoever decides whether compressing
 * pays (packets.ts's `finishPacket`) has to compress to know; the host then encodes the same
 * wrapper to send it. Remembering the output spares the second encoding and compression of
 * every gossip packet, the costliest step of sending one. Messages are immutable once built,
 * so the wrapper's identity is a sound key; a WeakMap lets the entry go with the packet.
 */
const lzwOutputs = new WeakMap<object, Uint8Array>();

/** Records `lzw` as the compressed form of `m.message` (it must be exactly that). */
export function rememberLzwOutput(m: PacketMessage & { type: 'compress' }, lzw: Uint8Array): void {
  lzwOutputs.set(m, lzw);
}

/** Room for a full gossip packet (LAN `udpBufferBytes` is 1,400), so none grows as it fills. */
const PACKET_WRITER_BYTES = 1536;

export function encodePacketMessage(m: PacketMessage): Uint8Array {
  const w = new GoMsgpackWriter(PACKET_WRITER_BYTES);
  writePacketMessage(w, m);
  return w.finish();
}

function writePacketMessage(w: GoMsgpackWriter, m: PacketMessage): void {
  switch (m.type) {
    case 'ping':
      w.byte(MESSAGE_TYPE.ping);
      writePing(w, m);
      return;
    case 'indirectPing':
      w.byte(MESSAGE_TYPE.indirectPing);
      writeIndirectPing(w, m);
      return;
    case 'ack':
      w.byte(MESSAGE_TYPE.ack);
      writeAck(w, m);
      return;
    case 'nack':
      w.byte(MESSAGE_TYPE.nack);
      writeNack(w, m);
      return;
    case 'suspect':
      w.byte(MESSAGE_TYPE.suspect);
      writeSuspectOrDead(w, m);
      return;
    case 'alive':
      w.byte(MESSAGE_TYPE.alive);
      writeAlive(w, m);
      return;
    case 'dead':
      w.byte(MESSAGE_TYPE.dead);
      writeSuspectOrDead(w, m);
      return;
    case 'user':
      w.byte(MESSAGE_TYPE.user);
      w.bytes(m.payload);
      return;
    case 'compound': {
      const n = m.parts.length;
      assert(n <= COMPOUND_PARTS_SEND_MAX, `compound of ${n} parts`);
      w.byte(MESSAGE_TYPE.compound);
      w.byte(n);
      // The length table comes first: each part is written in place and its slot filled in.
      const tableAt = w.byteLength;
      for (let i = 0; i < n; i++) w.uint16BE(0);
      for (let i = 0; i < n; i++) {
        const startAt = w.byteLength;
        writePacketMessage(w, m.parts[i]!);
        const bytes = w.byteLength - startAt;
        assert(bytes <= COMPOUND_PART_BYTES_MAX, `compound part of ${bytes} bytes`);
        w.setUint16BE(tableAt + 2 * i, bytes);
      }
      return;
    }
    case 'compress':
      w.byte(MESSAGE_TYPE.compress);
      writeCompressBody(
        w,
        COMPRESSION_ALGO_LZW,
        lzwOutputs.get(m) ?? lzwCompress(encodePacketMessage(m.message)),
      );
      return;
  }
}

// ---------------------------------------------------------------------------------------
// Decoding

/** Decompressed bytes still allowed for the packet being decoded. */
interface Budget {
  decompressedBytesLeft: number;
}

/**
 * Decodes one decrypted, unlabelled UDP packet. Throws only `RemoteError`: TRUNCATED,
 * MALFORMED, OVERSIZE, UNKNOWN_TYPE, or CHECKSUM when a hasCrc header does not match.
 */
export function decodePacket(bytes: Uint8Array, limits: MemberlistLimits): Packet {
  if (bytes.length > limits.packetBytesMax) {
    throw oversizeError('packet', bytes.length, 'packetBytesMax', limits.packetBytesMax);
  }
  const budget: Budget = { decompressedBytesLeft: limits.packetDecompressedBytesMax };
  if (bytes.length > 0 && bytes[0] === MESSAGE_TYPE.hasCrc) {
    if (bytes.length < CRC_HEADER_BYTES) throw truncatedError('hasCrc: header cut short');
    const inner = bytes.subarray(CRC_HEADER_BYTES);
    const expected = new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0);
    const actual = crc32(inner);
    if (expected !== actual) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_CHECKSUM',
        `hasCrc: checksum ${hex32(expected)} does not match the contents (${hex32(actual)})`,
      );
    }
    return { type: 'hasCrc', message: decodePacketMessage(inner, limits, 0, budget) };
  }
  return decodePacketMessage(bytes, limits, 0, budget);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function decodePacketMessage(
  bytes: Uint8Array,
  limits: MemberlistLimits,
  depth: number,
  budget: Budget,
): PacketMessage {
  if (bytes.length === 0) throw truncatedError('packet: empty message');
  const type = bytes[0]!;
  const r = new GoMsgpackReader(bytes, 1);
  let m: PacketMessage;
  switch (type) {
    case MESSAGE_TYPE.ping:
      m = readPing(r, limits);
      break;
    case MESSAGE_TYPE.indirectPing:
      m = readIndirectPing(r, limits);
      break;
    case MESSAGE_TYPE.ack:
      m = readAck(r);
      break;
    case MESSAGE_TYPE.nack:
      m = readNack(r);
      break;
    case MESSAGE_TYPE.suspect:
      m = readSuspectOrDead(r, 'suspect', limits);
      break;
    case MESSAGE_TYPE.alive:
      m = readAlive(r, limits);
      break;
    case MESSAGE_TYPE.dead:
      m = readSuspectOrDead(r, 'dead', limits);
      break;
    case MESSAGE_TYPE.user:
      return { type: 'user', payload: bytes.slice(1) };
    case MESSAGE_TYPE.compound:
      return decodeCompound(bytes, limits, depth, budget);
    case MESSAGE_TYPE.compress: {
      if (depth >= limits.nestingDepthMax) {
        throw oversizeError(
          'compress: nesting depth',
          depth + 1,
          'nestingDepthMax',
          limits.nestingDepthMax,
        );
      }
      const { algo, buf } = readCompressBody(r);
      r.expectEnd('compress');
      if (algo !== COMPRESSION_ALGO_LZW)
        throw malformedError(`compress: unknown algorithm ${algo}`);
      const inner = lzwDecompress(buf, budget.decompressedBytesLeft, 'compress.Buf');
      budget.decompressedBytesLeft -= inner.length;
      return { type: 'compress', message: decodePacketMessage(inner, limits, depth + 1, budget) };
    }
    case MESSAGE_TYPE.hasCrc:
    case MESSAGE_TYPE.pushPull:
    case MESSAGE_TYPE.encrypt:
    case MESSAGE_TYPE.err:
    case MESSAGE_TYPE.hasLabel:
      throw malformedError(`packet: message type ${type} is not allowed here`);
    default:
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `packet: unknown message type ${type}`,
      );
  }
  r.expectEnd(m.type);
  return m;
}

function decodeCompound(
  bytes: Uint8Array,
  limits: MemberlistLimits,
  depth: number,
  budget: Budget,
): PacketMessage {
  if (depth >= limits.nestingDepthMax) {
    throw oversizeError(
      'compound: nesting depth',
      depth + 1,
      'nestingDepthMax',
      limits.nestingDepthMax,
    );
  }
  const r = new GoMsgpackReader(bytes, 1);
  const count = r.byte('compound: part count');
  if (count > limits.compoundPartsMax) {
    throw oversizeError('compound: parts', count, 'compoundPartsMax', limits.compoundPartsMax);
  }
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) lengths.push(r.uint16BE('compound: length table'));
  const parts: PacketMessage[] = [];
  for (const length of lengths) {
    if (length === 0) throw malformedError('compound: empty part');
    const part = r.take(length, 'compound: part');
    parts.push(decodePacketMessage(part, limits, depth + 1, budget));
  }
  r.expectEnd('compound');
  return { type: 'compound', parts };
}
