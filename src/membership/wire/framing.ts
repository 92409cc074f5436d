/**
 * The two prefixes that sit outside the message codecs: the label header and the encrypt
 * frame header.
 *
 * Label (memberlist ≥ 0.3, not spoken by the 0.2.2 Debian agent, which drops type 244 as
 * unknown): `f4 | length (1 byte, 1..255) | label bytes`, in front of a UDP packet (before
 * encryption, so it travels in clear) or at the very start of a TCP stream. An absent label
 * is the empty label. When encrypting, the label is also GCM associated data
 * (`src/net/security`), so a packet cannot be moved between labelled clusters.
 *
 * Encrypt frame (TCP only): `0a | length (uint32 BE) | sealed bytes`, where the five header
 * bytes are associated data of the seal. UDP encryption has no header at all: the whole
 * datagram is the sealed form. The crypto lives in `src/net/security` (the membership layer
 * may not import `node:crypto`); this file only parses and builds the header.
 */

import { assert } from '../../core/errors.ts';
import { malformedError, oversizeError, truncatedError } from './go-msgpack-reader.ts';
import type { MemberlistLimits } from './limits.ts';
import { MESSAGE_TYPE } from './messages.ts';

/** A label's length is one byte. */
export const LABEL_BYTES_MAX = 255;
export const ENCRYPT_FRAME_HEADER_BYTES = 5;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function labelBytes(label: string): Uint8Array {
  assert(label.isWellFormed(), 'label with a lone surrogate');
  const bytes = utf8Encoder.encode(label);
  assert(
    bytes.length <= LABEL_BYTES_MAX,
    `label of ${bytes.length} bytes (max ${LABEL_BYTES_MAX})`,
  );
  return bytes;
}

/** Prefixes `bytes` with the label header; the empty label adds nothing (as in Go). */
export function addLabel(bytes: Uint8Array, label: string): Uint8Array {
  if (label === '') return bytes;
  const l = labelBytes(label);
  const out = new Uint8Array(2 + l.length + bytes.length);
  out[0] = MESSAGE_TYPE.hasLabel;
  out[1] = l.length;
  out.set(l, 2);
  out.set(bytes, 2 + l.length);
  return out;
}

/**
 * Splits a label header off a packet or the start of a stream. Without one the label is ''
 * and `rest` is the input. An empty label header, a cut-off one, or a label that is not
 * UTF-8 is a `RemoteError`.
 */
export function removeLabel(bytes: Uint8Array): { label: string; rest: Uint8Array } {
  if (bytes.length === 0 || bytes[0] !== MESSAGE_TYPE.hasLabel) return { label: '', rest: bytes };
  if (bytes.length < 2) throw truncatedError('hasLabel: header cut short');
  const n = bytes[1]!;
  if (n === 0) throw malformedError('hasLabel: empty label');
  if (bytes.length < 2 + n) throw truncatedError('hasLabel: label cut short');
  let label: string;
  try {
    label = utf8Decoder.decode(bytes.subarray(2, 2 + n));
  } catch {
    throw malformedError('hasLabel: label is not well-formed UTF-8');
  }
  return { label, rest: bytes.subarray(2 + n) };
}

/** The five header bytes of an encrypt frame announcing `sealedBytes` after them. */
export function encryptFrameHeader(sealedBytes: number): Uint8Array {
  assert(
    Number.isInteger(sealedBytes) && sealedBytes >= 0 && sealedBytes <= 0xffffffff,
    'frame length',
  );
  const header = new Uint8Array(ENCRYPT_FRAME_HEADER_BYTES);
  header[0] = MESSAGE_TYPE.encrypt;
  new DataView(header.buffer).setUint32(1, sealedBytes);
  return header;
}

/**
 * Parses an encrypt frame that fills `bytes` exactly: returns its header (the associated
 * data) and the sealed bytes. The announced length is checked against `streamBytesMax`
 * (Go: `maxPushStateBytes`) before anything else.
 */
export function readEncryptFrame(
  bytes: Uint8Array,
  limits: MemberlistLimits,
): { header: Uint8Array; sealed: Uint8Array } {
  if (bytes.length === 0 || bytes[0] !== MESSAGE_TYPE.encrypt) {
    throw malformedError('encrypt: not an encrypt frame (type 10)');
  }
  if (bytes.length < ENCRYPT_FRAME_HEADER_BYTES) throw truncatedError('encrypt: header cut short');
  const sealedBytes = new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0);
  if (sealedBytes > limits.streamBytesMax) {
    throw oversizeError('encrypt: length', sealedBytes, 'streamBytesMax', limits.streamBytesMax);
  }
  const end = ENCRYPT_FRAME_HEADER_BYTES + sealedBytes;
  if (bytes.length < end) throw truncatedError('encrypt: sealed bytes cut short');
  if (bytes.length > end)
    throw malformedError(`encrypt: ${bytes.length - end} bytes after the frame`);
  return {
    header: bytes.subarray(0, ENCRYPT_FRAME_HEADER_BYTES),
    sealed: bytes.subarray(ENCRYPT_FRAME_HEADER_BYTES),
  };
}
