import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENVELOPE_HEADER_BYTES, readEnvelope, writeEnvelope } from '../../src/codec/envelope.ts';
import { AssertionError, type ErrorCode, RemoteError } from '../../src/core/errors.ts';

const accept = { versionMin: 2, versionMax: 3 };
const dropsWith = (code: ErrorCode) => (e: unknown) => e instanceof RemoteError && e.code === code;

test('write then read gives back version, type and body', () => {
  const body = new Uint8Array([9, 8, 7]);
  const packet = writeEnvelope(3, 200, body);
  assert.equal(packet.length, ENVELOPE_HEADER_BYTES + body.length);
  const env = readEnvelope(packet, accept);
  assert.equal(env.version, 3);
  assert.equal(env.typeCode, 200);
  assert.deepEqual([...env.body], [9, 8, 7]);
});

test('the written packet does not share memory with the body', () => {
  const body = new Uint8Array([1]);
  const packet = writeEnvelope(2, 1, body);
  body[0] = 5;
  assert.equal(packet[2], 1);
});

test('short packets are TRUNCATED, versions outside the accepted range are VERSION', () => {
  assert.throws(
    () => readEnvelope(new Uint8Array(0), accept),
    dropsWith('HEARSAY_ERR_DECODE_TRUNCATED'),
  );
  assert.throws(
    () => readEnvelope(new Uint8Array([2]), accept),
    dropsWith('HEARSAY_ERR_DECODE_TRUNCATED'),
  );
  assert.throws(
    () => readEnvelope(new Uint8Array([1, 0]), accept),
    dropsWith('HEARSAY_ERR_DECODE_VERSION'),
  );
  assert.throws(
    () => readEnvelope(new Uint8Array([4, 0]), accept),
    dropsWith('HEARSAY_ERR_DECODE_VERSION'),
  );
  assert.equal(readEnvelope(new Uint8Array([2, 0]), accept).body.length, 0);
});

test('writing an out-of-range header is a bug', () => {
  assert.throws(() => writeEnvelope(256, 0, new Uint8Array(0)), AssertionError);
  assert.throws(() => writeEnvelope(1, -1, new Uint8Array(0)), AssertionError);
  assert.throws(() => writeEnvelope(1.5, 0, new Uint8Array(0)), AssertionError);
});
