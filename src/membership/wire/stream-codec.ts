/**
 * TCP stream messages: what one side of a memberlist exchange writes, after decryption and
 * label removal (memberlist-wire.md §6).
 *
 *   [09 {Algo: 0, Buf: lzw(…)}]            optional, once; Go compresses every stream when
 *                                          compression is on, even when it grows
 *   06 header{Join, Nodes, UserStateLen} pushNodeState×Nodes userState(UserStateLen raw bytes)
 *   00 ping | 02 ack | 0d err{Error}       one msgpack body
 *   08 userMsgHeader{UserMsgLen} bytes     a user message on a stream
 *
 * There is no length prefix (except inside an encrypt frame): a reader learns where the
 * message ends by parsing it. `streamMessageBytes` does exactly that without decoding, so a
 * host can tell "need more bytes" from "bad bytes" while the data trickles in.
 *
 * Stricter than Go, like the packet codec: bytes after the message are MALFORMED (Go stops
 * reading and ignores them), and a compress wrapping another compress is MALFORMED (Go
 * rejects that too, as an unexpected message type).
 */

import { RemoteError } from '../../core/errors.ts';
import {
  readAck,
  readCompressBody,
  readErr,
  readPing,
  readPushNodeState,
  readPushPullHeader,
  readUserMsgHeader,
  writeAck,
  writeCompressBody,
  writeErr,
  writePing,
  writePushNodeState,
  writePushPullHeader,
  writeUserMsgHeader,
} from './bodies.ts';
import {
  GoMsgpackReader,
  malformedError,
  oversizeError,
  truncatedError,
} from './go-msgpack-reader.ts';
import { GoMsgpackWriter } from './go-msgpack-writer.ts';
import type { MemberlistLimits } from './limits.ts';
import { lzwCompress, lzwDecompress } from './lzw.ts';
import {
  COMPRESSION_ALGO_LZW,
  MESSAGE_TYPE,
  type PushNodeState,
  type Stream,
  type StreamMessage,
} from './messages.ts';

// ---------------------------------------------------------------------------------------
// Encoding

export function encodeStream(s: Stream): Uint8Array {
  if (s.type !== 'compress') return encodeStreamMessage(s);
  const w = new GoMsgpackWriter();
  w.byte(MESSAGE_TYPE.compress);
  writeCompressBody(w, COMPRESSION_ALGO_LZW, lzwCompress(encodeStreamMessage(s.message)));
  return w.finish();
}

export function encodeStreamMessage(m: StreamMessage): Uint8Array {
  const w = new GoMsgpackWriter(m.type === 'pushPull' ? 1024 : 256);
  switch (m.type) {
    case 'pushPull':
      w.byte(MESSAGE_TYPE.pushPull);
      writePushPullHeader(w, m.join, m.nodes.length, m.userState.length);
      for (const node of m.nodes) writePushNodeState(w, node);
      w.bytes(m.userState);
      break;
    case 'ping':
      w.byte(MESSAGE_TYPE.ping);
      writePing(w, m);
      break;
    case 'ack':
      w.byte(MESSAGE_TYPE.ack);
      writeAck(w, m);
      break;
    case 'err':
      w.byte(MESSAGE_TYPE.err);
      writeErr(w, m);
      break;
    case 'user':
      w.byte(MESSAGE_TYPE.user);
      writeUserMsgHeader(w, m.payload.length);
      w.bytes(m.payload);
      break;
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes one complete, decrypted, unlabelled stream message. Throws only `RemoteError`.
 * An encrypt frame (type 10) must be opened first (`src/net/security`); handed here it is
 * MALFORMED, as a node without a keyring would answer it.
 */
export function decodeStream(bytes: Uint8Array, limits: MemberlistLimits): Stream {
  if (bytes.length > limits.streamBytesMax) {
    throw oversizeError('stream', bytes.length, 'streamBytesMax', limits.streamBytesMax);
  }
  if (bytes.length === 0) throw truncatedError('stream: empty');
  if (bytes[0] !== MESSAGE_TYPE.compress) return decodeStreamMessage(bytes, limits);
  const r = new GoMsgpackReader(bytes, 1);
  const { algo, buf } = readCompressBody(r);
  r.expectEnd('compress');
  if (algo !== COMPRESSION_ALGO_LZW) throw malformedError(`compress: unknown algorithm ${algo}`);
  const inner = lzwDecompress(buf, limits.streamDecompressedBytesMax, 'compress.Buf');
  if (inner.length > 0 && inner[0] === MESSAGE_TYPE.compress) {
    throw malformedError('stream: compress inside compress');
  }
  return { type: 'compress', message: decodeStreamMessage(inner, limits) };
}

function decodeStreamMessage(bytes: Uint8Array, limits: MemberlistLimits): StreamMessage {
  if (bytes.length === 0) throw truncatedError('stream: empty message');
  const type = bytes[0]!;
  const r = new GoMsgpackReader(bytes, 1);
  let m: StreamMessage;
  switch (type) {
    case MESSAGE_TYPE.pushPull: {
      const header = readPushPullHeader(r, limits);
      // Each node state is a map of at least a few bytes: refuse absurd counts before the loop.
      if (header.nodes > r.remaining)
        throw truncatedError('pushPull: fewer bytes than node states');
      const nodes: PushNodeState[] = [];
      for (let i = 0; i < header.nodes; i++) nodes.push(readPushNodeState(r, limits));
      const userState = r.take(header.userStateBytes, 'pushPull: user state').slice();
      m = { type: 'pushPull', join: header.join, nodes, userState };
      break;
    }
    case MESSAGE_TYPE.ping:
      m = readPing(r, limits);
      break;
    case MESSAGE_TYPE.ack:
      m = readAck(r);
      break;
    case MESSAGE_TYPE.err:
      m = readErr(r, limits);
      break;
    case MESSAGE_TYPE.user: {
      const n = readUserMsgHeader(r, limits);
      m = { type: 'user', payload: r.take(n, 'user: payload').slice() };
      break;
    }
    case MESSAGE_TYPE.encrypt:
      throw malformedError('stream: encrypted (type 10): open it with the keyring first');
    case MESSAGE_TYPE.indirectPing:
    case MESSAGE_TYPE.suspect:
    case MESSAGE_TYPE.alive:
    case MESSAGE_TYPE.dead:
    case MESSAGE_TYPE.compound:
    case MESSAGE_TYPE.compress:
    case MESSAGE_TYPE.nack:
    case MESSAGE_TYPE.hasCrc:
    case MESSAGE_TYPE.hasLabel:
      throw malformedError(`stream: message type ${type} is not allowed here`);
    default:
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
        `stream: unknown message type ${type}`,
      );
  }
  r.expectEnd(m.type);
  return m;
}

// ---------------------------------------------------------------------------------------
// Incremental framing

/**
 * Length of the stream message at the start of `bytes` (plaintext, or one encrypt frame),
 * or undefined while it is incomplete. Walks the framing only (no decompression, no field
 * checks beyond what locating the end needs); the host then hands exactly that many bytes to
 * `decodeStream` or to the keyring. Throws `RemoteError` when the bytes can never become a
 * valid message (unknown type, malformed framing, over a limit).
 */
export function streamMessageBytes(
  bytes: Uint8Array,
  limits: MemberlistLimits,
): number | undefined {
  if (bytes.length === 0) return undefined;
  const r = new GoMsgpackReader(bytes, 1, Math.min(bytes.length, limits.streamBytesMax));
  try {
    switch (bytes[0]) {
      case MESSAGE_TYPE.encrypt: {
        const sealedBytes = r.uint32BE('encrypt: length');
        if (sealedBytes > limits.streamBytesMax) {
          throw oversizeError(
            'encrypt: length',
            sealedBytes,
            'streamBytesMax',
            limits.streamBytesMax,
          );
        }
        r.take(sealedBytes, 'encrypt: sealed bytes');
        break;
      }
      case MESSAGE_TYPE.pushPull: {
        const header = readPushPullHeader(r, limits);
        for (let i = 0; i < header.nodes; i++) r.skip('pushPull: node state');
        r.take(header.userStateBytes, 'pushPull: user state');
        break;
      }
      case MESSAGE_TYPE.user:
        r.take(readUserMsgHeader(r, limits), 'user: payload');
        break;
      case MESSAGE_TYPE.compress:
      case MESSAGE_TYPE.ping:
      case MESSAGE_TYPE.ack:
      case MESSAGE_TYPE.err:
        r.skip('stream body');
        break;
      default:
        throw new RemoteError(
          'HEARSAY_ERR_DECODE_UNKNOWN_TYPE',
          `stream: unknown message type ${bytes[0]}`,
        );
    }
  } catch (e) {
    if (e instanceof RemoteError && e.code === 'HEARSAY_ERR_DECODE_TRUNCATED') {
      if (bytes.length >= limits.streamBytesMax) {
        throw oversizeError('stream', bytes.length, 'streamBytesMax', limits.streamBytesMax);
      }
      return undefined;
    }
    throw e;
  }
  return r.pos;
}
