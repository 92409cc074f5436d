import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  readArray,
  readBool,
  readBytes,
  readField,
  readRecord,
  readString,
  readStringArray,
  readTuple,
  readUint,
} from '../../src/codec/validate.ts';
import { type ErrorCode, RemoteError } from '../../src/core/errors.ts';

const fails = (fn: () => unknown, code: ErrorCode, field: string): void => {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RemoteError);
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith(`${field}:`), e.message);
    return true;
  });
};
const MAL = 'HEARSAY_ERR_DECODE_MALFORMED';
const BIG = 'HEARSAY_ERR_DECODE_OVERSIZE';

test('readString: type, well-formedness, UTF-8 byte limit', () => {
  assert.equal(readString('abc', 'f', 3), 'abc');
  assert.equal(readString('é', 'f', 2), 'é');
  fails(() => readString('é', 'f', 1), BIG, 'f');
  fails(() => readString(1, 'f', 9), MAL, 'f');
  fails(() => readString(null, 'f', 9), MAL, 'f');
  fails(() => readString('\ud800', 'f', 9), MAL, 'f');
});

test('readUint: safe non-negative integers up to max; -0 becomes +0', () => {
  assert.equal(readUint(0, 'n'), 0);
  assert.equal(readUint(7, 'n', 7), 7);
  assert.ok(Object.is(readUint(-0, 'n'), 0));
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', 1n, null]) {
    fails(() => readUint(bad, 'n'), MAL, 'n');
  }
  fails(() => readUint(8, 'n', 7), MAL, 'n');
});

test('readBool, readBytes', () => {
  assert.equal(readBool(true, 'b'), true);
  fails(() => readBool(1, 'b'), MAL, 'b');
  const src = new Uint8Array([1, 2, 3]);
  const copy = readBytes(src, 'd', 3);
  assert.deepEqual(copy, src);
  assert.notEqual(copy.buffer, src.buffer);
  fails(() => readBytes(src, 'd', 2), BIG, 'd');
  fails(() => readBytes([1, 2], 'd', 9), MAL, 'd');
  fails(() => readBytes('ab', 'd', 9), MAL, 'd');
});

test('readArray, readTuple, readStringArray name the element that failed', () => {
  assert.deepEqual(readArray([1, 2], 'a', 2), [1, 2]);
  fails(() => readArray([1, 2, 3], 'a', 2), BIG, 'a');
  fails(() => readArray({ length: 1 }, 'a', 2), MAL, 'a');
  assert.deepEqual(readTuple([1, 2], 't', 2), [1, 2]);
  fails(() => readTuple([1], 't', 2), MAL, 't');
  fails(() => readTuple([1, 2, 3], 't', 2), MAL, 't');
  assert.deepEqual(readStringArray(['a', 'b'], 'ids', 2, 1), ['a', 'b']);
  fails(() => readStringArray(['a', 7], 'ids', 2, 1), MAL, 'ids[1]');
  fails(() => readStringArray(['a', 'bb'], 'ids', 2, 1), BIG, 'ids[1]');
  // Lazy field names are only built on failure.
  let built = 0;
  const name = (): string => {
    built++;
    return 'lazy';
  };
  readString('ok', name, 9);
  assert.equal(built, 0);
  fails(() => readString(1, name, 9), MAL, 'lazy');
  assert.equal(built, 1);
});

test('readRecord and readField read own properties only', () => {
  const rec = readRecord({ a: 1 }, 'r');
  assert.equal(readField(rec, 'a'), 1);
  fails(() => readField(rec, 'toString'), MAL, 'toString');
  fails(() => readField(rec, 'b'), MAL, 'b');
  fails(() => readRecord([1], 'r'), MAL, 'r');
  fails(() => readRecord(null, 'r'), MAL, 'r');
  fails(() => readRecord(new Uint8Array(1), 'r'), MAL, 'r');
});
