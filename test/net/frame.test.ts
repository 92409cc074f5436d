/**
 * Length-prefixed frames: any chunking of a stream yields the same frames, in order; a
 * header announcing more than `frameBytesMax` is refused before any payload is buffered.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isRemoteError } from '../../src/core/errors.ts';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from '../../src/net/frame.ts';

const LIMIT = 256;

function decodeAll(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const d = new FrameDecoder(LIMIT);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c < stream.length)].sort((a, b) => a - b)) {
    d.push(stream.subarray(at, cut), (f) => out.push(f));
    at = cut;
  }
  d.push(stream.subarray(at), (f) => out.push(f));
  assert.equal(d.bufferedBytes, 0);
  return out;
}

test('frames survive any chunking (property, seeded)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: LIMIT }), { maxLength: 8 }),
      fc.array(fc.nat(LIMIT * 9), { maxLength: 20 }),
      (payloads, cuts) => {
        const frames = payloads.map((p) => encodeFrame(p, LIMIT));
        const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let at = 0;
        for (const f of frames) {
          stream.set(f, at);
          at += f.length;
        }
        const got = decodeAll(stream, cuts);
        assert.deepEqual(
          got.map((g) => [...g]),
          payloads.map((p) => [...p]),
        );
      },
    ),
    { seed: 20_240_601, numRuns: 200 },
  );
});

test('the header is 4-byte big-endian length', () => {
  assert.deepEqual([...encodeFrame(new Uint8Array([7, 8]), LIMIT)], [0, 0, 0, 2, 7, 8]);
  assert.equal(FRAME_HEADER_BYTES, 4);
});

test('an oversize announcement is a RemoteError before the payload arrives', () => {
  const d = new FrameDecoder(LIMIT);
  assert.throws(
    () => d.push(new Uint8Array([0, 0, 1, 1]), () => assert.fail('no frame')),
    (err) => isRemoteError(err) && err.code === 'HEARSAY_ERR_DECODE_OVERSIZE',
  );
});

test('a frame of exactly frameBytesMax is accepted; one byte more is refused on encode', () => {
  const max = new Uint8Array(LIMIT).fill(1);
  assert.equal(decodeAll(encodeFrame(max, LIMIT), [1, 2, 3, 100])[0]!.length, LIMIT);
  assert.throws(() => encodeFrame(new Uint8Array(LIMIT + 1), LIMIT), /invariant/);
});
