/**
 * Typed field readers for decoded, still-untrusted values.
 *
 * msgpackr's output is `unknown` from our point of view: each field is read through one of
 * these functions, which checks type, range and length and returns the typed value, or
 * throws `RemoteError` naming the field (`push.items[3].id`). Over a limit is
 * `HEARSAY_ERR_DECODE_OVERSIZE`; wrong type or range is `HEARSAY_ERR_DECODE_MALFORMED`.
 *
 * Field names may be passed as a function so that decoding a thousand items does not build a
 * thousand path strings that are only needed when something is wrong.
 *
 * What does not live here: knowledge of any message layout (that is each protocol's codec).
 */

import { RemoteError } from '../core/errors.ts';
import { utf8ByteLength } from './utf8.ts';

export type FieldName = string | (() => string);

function nameOf(field: FieldName): string {
  return typeof field === 'string' ? field : field();
}

function malformed(field: FieldName, message: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_DECODE_MALFORMED', `${nameOf(field)}: ${message}`);
}

function oversize(field: FieldName, message: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_DECODE_OVERSIZE', `${nameOf(field)}: ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bin';
  return typeof value;
}

/** An array of at most `lengthMax` elements. */
export function readArray(value: unknown, field: FieldName, lengthMax: number): readonly unknown[] {
  if (!Array.isArray(value)) throw malformed(field, `expected array, got ${describe(value)}`);
  if (value.length > lengthMax) {
    throw oversize(field, `${value.length} elements exceed the limit of ${lengthMax}`);
  }
  return value;
}

/** An array of exactly `length` elements: a positional record. */
export function readTuple(value: unknown, field: FieldName, length: number): readonly unknown[] {
  if (!Array.isArray(value)) throw malformed(field, `expected array, got ${describe(value)}`);
  if (value.length !== length) {
    throw malformed(field, `expected ${length} elements, got ${value.length}`);
  }
  return value;
}

/** A plain object (a msgpack map decoded with `mapsAsObjects`). */
export function readRecord(value: unknown, field: FieldName): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(field, `expected map, got ${describe(value)}`);
  }
  if (value instanceof Uint8Array) throw malformed(field, 'expected map, got bin');
  return value as Record<string, unknown>;
}

/** Own property `key` of a record; a missing key is MALFORMED (never read from the prototype). */
export function readField(record: Readonly<Record<string, unknown>>, key: string): unknown {
  if (!Object.hasOwn(record, key)) throw malformed(key, 'missing');
  return record[key];
}

/** A well-formed Unicode string of at most `bytesMax` UTF-8 bytes. */
export function readString(value: unknown, field: FieldName, bytesMax: number): string {
  if (typeof value !== 'string') throw malformed(field, `expected string, got ${describe(value)}`);
  // Lone surrogates cannot be re-encoded faithfully; refusing them here keeps the pair
  // assertion in every encoder true for anything a decoder accepted.
  if (!value.isWellFormed()) throw malformed(field, 'string is not well-formed Unicode');
  const bytes = utf8ByteLength(value);
  if (bytes > bytesMax) throw oversize(field, `${bytes} bytes exceed the limit of ${bytesMax}`);
  return value;
}

/** A non-negative safe integer no larger than `max`. Returns +0 for a received -0. */
export function readUint(value: unknown, field: FieldName, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw malformed(field, `expected integer, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw malformed(field, `expected an integer in [0, ${max}], got ${value}`);
  }
  return value + 0;
}

export function readBool(value: unknown, field: FieldName): boolean {
  if (typeof value !== 'boolean') throw malformed(field, `expected bool, got ${describe(value)}`);
  return value;
}

/** Binary of at most `bytesMax` bytes, copied so it does not pin or alias the packet. */
export function readBytes(value: unknown, field: FieldName, bytesMax: number): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw malformed(field, `expected bin, got ${describe(value)}`);
  if (value.length > bytesMax) {
    throw oversize(field, `${value.length} bytes exceed the limit of ${bytesMax}`);
  }
  return new Uint8Array(value);
}

/** An array of at most `lengthMax` strings of at most `bytesMax` bytes each. */
export function readStringArray(
  value: unknown,
  field: string,
  lengthMax: number,
  bytesMax: number,
): string[] {
  const xs = readArray(value, field, lengthMax);
  const out = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = readString(xs[i], () => `${field}[${i}]`, bytesMax);
  return out;
}
