/**
 * memberlist's encryption: AES-GCM with a keyring, for UDP packets and TCP stream frames.
 *
 * Sealed form (security.go):
 *
 *   version (1 byte) | nonce (12 bytes, random) | GCM ciphertext | tag (16 bytes)
 *
 *   version 1: the message as is (overhead 29 bytes) — what every node of protocol ≥ 2 sends;
 *   version 0: the message plus PKCS#7 padding to a 16-byte multiple (1..16 bytes, each the
 *              pad length; overhead ≤ 45) — sent only by protocol-1 nodes, accepted from all.
 *
 * UDP: the whole datagram (after CRC wrapping) is the sealed form; there is no type byte.
 * TCP: one encrypt frame `0a | length (uint32 BE) | sealed form` (`framing.ts`) per
 * direction, the five header bytes being GCM associated data.
 * Labels (memberlist ≥ 0.3): the label's bytes are the associated data of a UDP seal and
 * are appended to the header's for a stream; the empty label adds nothing, so unlabelled
 * traffic is exactly 0.2.2's.
 *
 * Opening tries every key, primary first, and returns which one authenticated. Failure is a
 * `RemoteError`: HEARSAY_ERR_DECRYPT_FAILED when no key authenticates (or a version-0
 * padding is invalid — Go would slice out of range there), DECODE_VERSION for a version
 * byte above 1, TRUNCATED when the input is shorter than the minimum sealed size.
 *
 * Nonces come from `node:crypto` unless the caller passes one: tests re-seal captured
 * packets with their own nonces to check the bytes.
 */

import { assert, RemoteError } from '../../core/errors.ts';
import { encryptFrameHeader, labelBytes, readEncryptFrame } from '../../membership/wire/framing.ts';
import type { MemberlistLimits } from '../../membership/wire/limits.ts';
import type { Keyring } from './keyring.ts';
import { nodeCrypto } from './node-crypto.ts';

export const ENCRYPTION_VERSION_MIN = 0;
export const ENCRYPTION_VERSION_MAX = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const VERSION_BYTES = 1;
const BLOCK_BYTES = 16;

export type EncryptionVersion = 0 | 1;

/** Bytes a seal adds to a message: what the piggyback budget must leave free. */
export function encryptionOverheadBytes(version: EncryptionVersion): number {
  return version === 1
    ? VERSION_BYTES + NONCE_BYTES + TAG_BYTES
    : VERSION_BYTES + NONCE_BYTES + BLOCK_BYTES + TAG_BYTES;
}

/** Exact sealed size of a `plaintextBytes` message. */
export function sealedBytes(version: EncryptionVersion, plaintextBytes: number): number {
  const padding = version === 0 ? BLOCK_BYTES - (plaintextBytes % BLOCK_BYTES) : 0;
  return VERSION_BYTES + NONCE_BYTES + plaintextBytes + padding + TAG_BYTES;
}

export interface SealOptions {
  /** '' (the default) for unlabelled traffic. */
  readonly label?: string;
  /** 1 unless we speak memberlist protocol 1. */
  readonly version?: EncryptionVersion;
  /** 12 bytes; random by default. Only tests pass one: a nonce must never repeat under a key. */
  readonly nonce?: Uint8Array;
}

export interface Opened {
  readonly plaintext: Uint8Array;
  /** Index in `keyring.keys` of the key that authenticated (0 = primary). */
  readonly keyIndex: number;
  readonly version: EncryptionVersion;
}

function cipherName(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    default:
      assert(key.length === 32, `key of ${key.length} bytes`);
      return 'aes-256-gcm';
  }
}

function seal(
  key: Uint8Array,
  version: EncryptionVersion,
  nonce: Uint8Array,
  message: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  assert(nonce.length === NONCE_BYTES, `nonce of ${nonce.length} bytes`);
  let plaintext = message;
  if (version === 0) {
    const pad = BLOCK_BYTES - (message.length % BLOCK_BYTES);
    plaintext = new Uint8Array(message.length + pad);
    plaintext.set(message);
    plaintext.fill(pad, message.length);
  }
  const cipher = nodeCrypto().createCipheriv(cipherName(key), key, nonce, {
    authTagLength: TAG_BYTES,
  });
  if (aad.length > 0) cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(VERSION_BYTES + NONCE_BYTES + head.length + tail.length + TAG_BYTES);
  out[0] = version;
  out.set(nonce, VERSION_BYTES);
  out.set(head, VERSION_BYTES + NONCE_BYTES);
  out.set(tail, VERSION_BYTES + NONCE_BYTES + head.length);
  out.set(tag, out.length - TAG_BYTES);
  return out;
}

function tryOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const nonce = sealed.subarray(VERSION_BYTES, VERSION_BYTES + NONCE_BYTES);
  const ciphertext = sealed.subarray(VERSION_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = nodeCrypto().createDecipheriv(cipherName(key), key, nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAuthTag(tag);
  if (aad.length > 0) decipher.setAAD(aad);
  const head = decipher.update(ciphertext);
  try {
    const tail = decipher.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } catch {
    return undefined;
  }
}

function open(keyring: Keyring, sealed: Uint8Array, aad: Uint8Array, what: string): Opened {
  if (sealed.length === 0) throw new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', `${what}: empty`);
  const version = sealed[0]!;
  if (version > ENCRYPTION_VERSION_MAX) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_VERSION',
      `${what}: unsupported encryption version ${version}`,
    );
  }
  const v = version as EncryptionVersion;
  if (sealed.length < sealedBytes(v, 0)) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_TRUNCATED',
      `${what}: ${sealed.length} bytes is too short to decrypt`,
    );
  }
  for (let keyIndex = 0; keyIndex < keyring.keys.length; keyIndex++) {
    const plaintext = tryOpen(keyring.keys[keyIndex]!, sealed, aad);
    if (plaintext === undefined) continue;
    if (v === 1) return { plaintext, keyIndex, version: v };
    const pad = plaintext.length > 0 ? plaintext[plaintext.length - 1]! : 0;
    if (pad < 1 || pad > BLOCK_BYTES || pad > plaintext.length) {
      throw new RemoteError('HEARSAY_ERR_DECRYPT_FAILED', `${what}: invalid version-0 padding`);
    }
    return { plaintext: plaintext.subarray(0, plaintext.length - pad), keyIndex, version: v };
  }
  throw new RemoteError(
    'HEARSAY_ERR_DECRYPT_FAILED',
    `${what}: none of the ${keyring.keys.length} installed keys could decrypt it`,
  );
}

function labelAad(label: string | undefined): Uint8Array {
  return label === undefined || label === '' ? new Uint8Array(0) : labelBytes(label);
}

/** Seals a whole UDP datagram (after CRC wrapping) with the primary key. */
export function sealPacket(
  keyring: Keyring,
  packet: Uint8Array,
  options: SealOptions = {},
): Uint8Array {
  const nonce = options.nonce ?? nodeCrypto().randomBytes(NONCE_BYTES);
  return seal(keyring.primary, options.version ?? 1, nonce, packet, labelAad(options.label));
}

/** Opens a sealed UDP datagram (label header already removed; pass its label). */
export function openPacket(keyring: Keyring, sealed: Uint8Array, label = ''): Opened {
  return open(keyring, sealed, labelAad(label), 'encrypted packet');
}

/** Seals one stream message into an encrypt frame `0a | length | sealed`. */
export function sealStream(
  keyring: Keyring,
  message: Uint8Array,
  options: SealOptions = {},
): Uint8Array {
  const version = options.version ?? 1;
  const header = encryptFrameHeader(sealedBytes(version, message.length));
  const aad = concat(header, labelAad(options.label));
  const nonce = options.nonce ?? nodeCrypto().randomBytes(NONCE_BYTES);
  const sealed = seal(keyring.primary, version, nonce, message, aad);
  assert(sealed.length === sealedBytes(version, message.length), 'sealed size');
  return concat(header, sealed);
}

/**
 * Opens one encrypt frame that fills `frame` exactly (find its end with
 * `streamMessageBytes`). The announced length is checked against `limits.streamBytesMax`
 * before anything else.
 */
export function openStream(
  keyring: Keyring,
  frame: Uint8Array,
  limits: MemberlistLimits,
  label = '',
): Opened {
  const { header, sealed } = readEncryptFrame(frame, limits);
  return open(keyring, sealed, concat(header, labelAad(label)), 'encrypted stream');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
