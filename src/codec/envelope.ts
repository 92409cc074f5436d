/**
 * The two-byte header in front of every hearsay datagram: wire version, then message type.
 *
 *   byte 0   wire version (a protocol family's format revision)
 *   byte 1   message type code (small integer, per family)
 *   byte 2…  msgpack body
 *
 * The version comes first so that a future format can change everything after it. A node
 * accepts a range of versions (`versionMin..versionMax`) so that rolling upgrades overlap.
 * The type sits outside the body so that a receiver can count and dispatch a packet before
 * (or without) parsing it.
 *
 * What does not live here: the body format and any knowledge of which type codes exist.
 */

import { assert, RemoteError } from '../core/errors.ts';

export const ENVELOPE_HEADER_BYTES = 2;

export interface Envelope {
  readonly version: number;
  readonly typeCode: number;
  /** A view into the packet: valid only as long as the packet is. */
  readonly body: Uint8Array;
}

export interface EnvelopeAccept {
  readonly versionMin: number;
  readonly versionMax: number;
}

/** Header plus body in one fresh buffer (the body may live in a shared encoder buffer). */
export function writeEnvelope(version: number, typeCode: number, body: Uint8Array): Uint8Array {
  assert(Number.isInteger(version) && version >= 0 && version <= 0xff, `wire version ${version}`);
  assert(Number.isInteger(typeCode) && typeCode >= 0 && typeCode <= 0xff, `type code ${typeCode}`);
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + body.length);
  out[0] = version;
  out[1] = typeCode;
  out.set(body, ENVELOPE_HEADER_BYTES);
  return out;
}

/** Splits a packet into header and body; throws TRUNCATED or VERSION. */
export function readEnvelope(packet: Uint8Array, accept: EnvelopeAccept): Envelope {
  if (packet.length < ENVELOPE_HEADER_BYTES) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_TRUNCATED',
      `packet of ${packet.length} bytes is shorter than the ${ENVELOPE_HEADER_BYTES}-byte header`,
    );
  }
  const version = packet[0]!;
  if (version < accept.versionMin || version > accept.versionMax) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_VERSION',
      `wire version ${version}, this node speaks ${accept.versionMin}..${accept.versionMax}`,
    );
  }
  return { version, typeCode: packet[1]!, body: packet.subarray(ENVELOPE_HEADER_BYTES) };
}
