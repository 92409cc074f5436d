/**
 * Length-prefixed frames for the reliable (TCP) channel.
 *
 * A TCP stream has no message boundaries, so each encoded message travels as a frame: a
 * 4-byte big-endian payload length, then the payload (the same bytes the codec produces for
 * a datagram). `FrameDecoder` reassembles frames from arbitrary chunks. A peer controls the
 * length field, so it is checked against `frameBytesMax` before a single payload byte is
 * buffered: an oversize announcement is a `RemoteError` and the stream is unusable after it
 * (there is no way to find the next frame boundary), so the caller closes the connection.
 * The decoder holds at most one frame's bytes plus one chunk.
 */

import { assert, RemoteError } from '../core/errors.ts';

export const FRAME_HEADER_BYTES = 4;

/** Default largest frame payload accepted or sent: 1 MiB, far above any gossip message. */
export const FRAME_BYTES_MAX_DEFAULT = 1 << 20;

export function encodeFrame(payload: Uint8Array, frameBytesMax: number): Uint8Array {
  assert(payload.length <= frameBytesMax, `frame of ${payload.length} B over ${frameBytesMax} B`);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, false);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export class FrameDecoder {
  readonly frameBytesMax: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor(frameBytesMax: number = FRAME_BYTES_MAX_DEFAULT) {
    assert(Number.isInteger(frameBytesMax) && frameBytesMax > 0, 'frameBytesMax > 0');
    this.frameBytesMax = frameBytesMax;
  }

  /** Bytes received but not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Feed one chunk; calls `onFrame` for every complete frame, in order. Throws `RemoteError`
   * (HEARSAY_ERR_DECODE_OVERSIZE) when a header announces more than `frameBytesMax`.
   */
  push(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): void {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    for (;;) {
      if (this.#buffered < FRAME_HEADER_BYTES) return;
      const header = this.#peek(FRAME_HEADER_BYTES);
      const payloadBytes = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, false);
      if (payloadBytes > this.frameBytesMax) {
        throw new RemoteError(
          'HEARSAY_ERR_DECODE_OVERSIZE',
          `stream frame announces ${payloadBytes} B, limit frameBytesMax is ${this.frameBytesMax} B`,
        );
      }
      if (this.#buffered < FRAME_HEADER_BYTES + payloadBytes) return;
      this.#take(FRAME_HEADER_BYTES);
      onFrame(this.#take(payloadBytes));
    }
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.#coalesce();
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first!.length < n) this.#coalesce();
    const head = this.#chunks[0]!;
    const out = head.subarray(0, n);
    if (head.length === n) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #coalesce(): void {
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
  }
}
