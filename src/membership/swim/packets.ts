/**
 * The last steps before a packet leaves: compound, compress, CRC (memberlist-wire.md §4.6).
 *
 * Order, innermost first: the message, or a compound of several (the first one is the
 * primary message, the rest piggybacked broadcasts); LZW compression when enabled and only
 * if the compressed form is shorter (as memberlist's `rawSendMsgPacket`); the CRC header
 * when the destination's record says it understands protocol 5. Encryption and labels are
 * the host's. Measuring "shorter" needs the real LZW output, so with compression on every
 * outgoing packet is encoded once here; simulations at scale that do not study bytes turn
 * compression off.
 */

import { assert } from '../../core/errors.ts';
import { lzwCompress } from '../wire/lzw.ts';
import type { Compress, Packet, PacketMessage } from '../wire/messages.ts';
import {
  COMPOUND_PARTS_SEND_MAX,
  encodePacketMessage,
  rememberLzwOutput,
} from '../wire/packet-codec.ts';
import { packetMessageBytes, rememberCompressedSize, strBytes } from './sizes.ts';

/** A compound's fixed header: type byte and part count (memberlist `compoundHeaderOverhead`). */
export const COMPOUND_HEADER_BYTES = 2;
/** Per part in a compound: its uint16 length (memberlist `compoundOverhead`). */
export const COMPOUND_PART_OVERHEAD_BYTES = 2;
/** A delegate broadcast gains a user type byte (memberlist `userMsgOverhead`). */
export const USER_MSG_OVERHEAD_BYTES = 1;
/** Protocol version that introduced the CRC header (hasCrc). */
export const CRC_PROTOCOL_MIN = 5;
export { COMPOUND_PARTS_SEND_MAX };

/** One message alone, or a compound of all of them (at most 127, none empty). */
export function compoundOf(parts: readonly PacketMessage[]): PacketMessage {
  assert(
    parts.length > 0 && parts.length <= COMPOUND_PARTS_SEND_MAX,
    `compound of ${parts.length} parts`,
  );
  return parts.length === 1 ? parts[0]! : { type: 'compound', parts };
}

/** Compress wrapper bytes around `bufBytes` of LZW output: type, fixmap, Algo 0, Buf. */
function compressWrapperBytes(bufBytes: number): number {
  return 1 + 1 + 5 + 1 + 4 + strBytes(bufBytes);
}

/** Applies compression (if `compress` and shorter) and the CRC header (if `crc`). */
export function finishPacket(msg: PacketMessage, compress: boolean, crc: boolean): Packet {
  let m: PacketMessage = msg;
  if (compress) {
    const plain = encodePacketMessage(msg);
    const lzw = lzwCompress(plain);
    const packed = compressWrapperBytes(lzw.length);
    if (packed < plain.length) {
      const wrapped: Compress<PacketMessage> = { type: 'compress', message: msg };
      rememberCompressedSize(wrapped, packed);
      rememberLzwOutput(wrapped, lzw);
      m = wrapped;
    }
  }
  return crc ? { type: 'hasCrc', message: m } : m;
}

export { packetMessageBytes };
