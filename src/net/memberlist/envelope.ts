/**
 * The outer layers of memberlist traffic that belong to the host: encryption, and the choice
 * of codec by transport (memberlist-wire.md §4.6, §5, §6).
 *
 *   UDP out:  encodePacket(packet)          → seal (primary key, no AAD)   → datagram
 *   UDP in:   datagram → open (every key, primary first)                → decodePacket
 *   TCP out:  encodeStream(stream)          → encrypt frame `0a|len|seal` (header = AAD)
 *   TCP in:   one message located by `streamMessageBytes` → open frame  → decodeStream
 *
 * Encryption is on when a keyring is present. `verifyOutgoing` false sends plaintext even
 * then; `verifyIncoming` false accepts plaintext (a datagram that fails to open is decoded
 * as plaintext, a plaintext stream is accepted), which is memberlist's path for rolling
 * encryption out across a live cluster. A stream that disagrees with our setting fails with
 * memberlist's own wording, which the host sends back in an err reply exactly as Go does, so
 * a Go peer logs the reason it knows.
 *
 * Labels (memberlist ≥ 0.3) are not spoken: the Debian agent (0.2.2) has none, and a
 * labelled packet is rejected by the packet decoder as Go 0.2.2 would.
 *
 * Everything here is a pure function of its arguments (sealing draws nonces from
 * node:crypto); failures on input are `RemoteError`s, failures on output are assertions.
 */

import { assert, RemoteError } from '../../core/errors.ts';
import type { SwimMessage } from '../../membership/types.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import type { Packet, Stream } from '../../membership/wire/messages.ts';
import { MESSAGE_TYPE } from '../../membership/wire/messages.ts';
import { decodePacket, encodePacket } from '../../membership/wire/packet-codec.ts';
import { decodeStream, encodeStream } from '../../membership/wire/stream-codec.ts';
import type { Keyring } from '../security/keyring.ts';
import { openPacket, openStream, sealPacket, sealStream } from '../security/seal.ts';

export interface Security {
  /** Undefined: encryption off. */
  readonly keyring: Keyring | undefined;
  /** memberlist `GossipVerifyIncoming` (default true): drop what does not authenticate. */
  readonly verifyIncoming: boolean;
  /** memberlist `GossipVerifyOutgoing` (default true): seal everything sent. */
  readonly verifyOutgoing: boolean;
}

export const NO_ENCRYPTION: Security = {
  keyring: undefined,
  verifyIncoming: true,
  verifyOutgoing: true,
};

/** memberlist's messages for a stream that disagrees with our encryption setting. */
export const STREAM_ENCRYPTED_UNEXPECTED =
  'Remote state is encrypted and encryption is not configured';
export const STREAM_PLAINTEXT_REFUSED =
  'Encryption is configured but remote state is not encrypted';

const PACKET_ONLY = new Set<string>([
  'indirectPing',
  'nack',
  'suspect',
  'alive',
  'dead',
  'compound',
  'hasCrc',
]);
const STREAM_ONLY = new Set<string>(['pushPull', 'err']);

/** The message as a packet; a stream-only message here is the protocol's bug. */
export function asPacket(msg: SwimMessage): Packet {
  assert(!STREAM_ONLY.has(msg.type), `ctx.send of a ${msg.type}: that is a stream message`);
  if (msg.type === 'compress') {
    assert(!STREAM_ONLY.has(msg.message.type), `ctx.send of a compressed ${msg.message.type}`);
  }
  return msg as Packet;
}

/** The message as a stream; a packet-only message here is the protocol's bug. */
export function asStream(msg: SwimMessage): Stream {
  assert(!PACKET_ONLY.has(msg.type), `stream send of a ${msg.type}: that is a packet message`);
  if (msg.type === 'compress') {
    assert(!PACKET_ONLY.has(msg.message.type), `stream send of a compressed ${msg.message.type}`);
  }
  return msg as Stream;
}

export function encryptionOn(security: Security): boolean {
  return security.keyring !== undefined;
}

/** The datagram for `packet`. */
export function packetToWire(packet: Packet, security: Security): Uint8Array {
  const plain = encodePacket(packet);
  if (security.keyring === undefined || !security.verifyOutgoing) return plain;
  return sealPacket(security.keyring, plain);
}

/** The packet in a datagram. Throws `RemoteError` (DECRYPT_FAILED, DECODE_*). */
export function packetFromWire(
  datagram: Uint8Array,
  security: Security,
  limits: MemberlistLimits,
): Packet {
  if (datagram.length > limits.packetBytesMax) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_OVERSIZE',
      `datagram of ${datagram.length} B, limit packetBytesMax is ${limits.packetBytesMax} B`,
    );
  }
  let plain = datagram;
  if (security.keyring !== undefined) {
    try {
      plain = openPacket(security.keyring, datagram).plaintext;
    } catch (err) {
      if (security.verifyIncoming) throw err;
    }
  }
  return decodePacket(plain, limits);
}

/** The bytes one side of a TCP exchange writes for `stream`. */
export function streamToWire(stream: Stream, security: Security): Uint8Array {
  const plain = encodeStream(stream);
  if (security.keyring === undefined || !security.verifyOutgoing) return plain;
  return sealStream(security.keyring, plain);
}

/**
 * The stream message in `bytes`, which hold exactly one message as located by
 * `streamMessageBytes` (an encrypt frame or a plaintext message). Throws `RemoteError`.
 */
export function streamFromWire(
  bytes: Uint8Array,
  security: Security,
  limits: MemberlistLimits,
): Stream {
  const encrypted = bytes.length > 0 && bytes[0] === MESSAGE_TYPE.encrypt;
  if (encrypted) {
    if (security.keyring === undefined) {
      throw new RemoteError('HEARSAY_ERR_DECRYPT_FAILED', STREAM_ENCRYPTED_UNEXPECTED);
    }
    return decodeStream(openStream(security.keyring, bytes, limits).plaintext, limits);
  }
  if (security.keyring !== undefined && security.verifyIncoming) {
    throw new RemoteError('HEARSAY_ERR_DECRYPT_FAILED', STREAM_PLAINTEXT_REFUSED);
  }
  return decodeStream(bytes, limits);
}

/**
 * A plaintext err reply's text, for diagnostics only: when we encrypt and a peer answers in
 * plaintext (it has no keys), its reason is worth showing even though the answer is refused.
 */
export function plaintextErrorText(
  bytes: Uint8Array,
  limits: MemberlistLimits,
): string | undefined {
  if (bytes.length === 0 || bytes[0] === MESSAGE_TYPE.encrypt) return undefined;
  try {
    let m: SwimMessage = decodeStream(bytes, limits);
    if (m.type === 'compress') m = m.message;
    return m.type === 'err' ? m.error : undefined;
  } catch {
    return undefined;
  }
}
