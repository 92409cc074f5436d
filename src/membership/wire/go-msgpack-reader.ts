/**
 * A bounded msgpack reader for what go-msgpack 0.5.5 (memberlist's `MsgpackHandle`) accepts.
 *
 * The bytes come from strangers, so: every declared length is checked against the bytes that
 * remain *before* anything is allocated (a 4 GiB str32 header in a 30-byte packet is a
 * TRUNCATED error, not an allocation), against the caller's named limit (OVERSIZE), and
 * every type mismatch is MALFORMED. Nothing here throws anything but `RemoteError`.
 *
 * Leniency follows the Go decoder, because Go peers (and other implementations that Go
 * peers accept) may use it:
 *   - byte-slice fields accept the whole str family (including str8) and bin8/16/32;
 *   - string fields accept the str family only (a Go node fails on bin there too);
 *   - integer fields accept any integer form whose value fits the Go type; a negative value
 *     in an unsigned field, or one that overflows, is refused (Go refuses it too);
 *   - `nil` (c0) decodes to the field's zero value, `null` for byte slices, slices and maps;
 *   - struct maps may list keys in any order; unknown keys are skipped.
 *
 * Stricter than Go, on purpose: strings must be well-formed UTF-8 (a JS string cannot carry
 * arbitrary bytes, and substituting U+FFFD would make two names one); structs must be maps
 * (go-msgpack also takes the array form, no memberlist implementation sends it); extension
 * types and the reserved byte 0xc1 are refused.
 */

import { RemoteError } from '../../core/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Nesting bound for skipping unknown values; our own structs nest at most 4 deep. */
const SKIP_DEPTH_MAX = 32;
/** Struct keys longer than this cannot be one of ours: they are skipped unread. */
const KEY_BYTES_MAX = 64;

/**
 * Short ASCII strings already decoded, by a hash of their bytes: struct keys and node names
 * repeat in every message, and `TextDecoder` costs a call into the runtime per string (it was
 * most of the cost of reading a gossip message). A fixed table of slots, each overwritten by
 * the last string hashed to it, so a peer sending endless new strings only evicts entries;
 * a hit is checked byte for byte against the input.
 */
const SHORT_STRING_BYTES_MAX = 64;
const SHORT_STRING_SLOTS = 1024;
const shortStrings: (string | undefined)[] = new Array(SHORT_STRING_SLOTS).fill(undefined);

/** `bytes[start, start + n)` as a string when all are ASCII (n ≤ the short limit), else undefined. */
function asciiString(bytes: Uint8Array, start: number, n: number): string | undefined {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + n; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return undefined;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  const slot = (hash ^ n) & (SHORT_STRING_SLOTS - 1);
  const cached = shortStrings[slot];
  if (cached !== undefined && cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  let s = '';
  for (let i = start; i < start + n; i++) s += String.fromCharCode(bytes[i]!);
  shortStrings[slot] = s;
  return s;
}

export function truncatedError(what: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', what);
}

export function malformedError(what: string): RemoteError {
  return new RemoteError('HEARSAY_ERR_DECODE_MALFORMED', what);
}

export function oversizeError(
  what: string,
  bytes: number,
  limitName: string,
  max: number,
): RemoteError {
  return new RemoteError(
    'HEARSAY_ERR_DECODE_OVERSIZE',
    `${what}: ${bytes} exceeds ${limitName} (${max})`,
  );
}

function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function be32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

export class GoMsgpackReader {
  readonly bytes: Uint8Array;
  /** Made on first use (64-bit and float fields): one per compound part adds up. */
  #view: DataView | undefined;
  private readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  private get view(): DataView {
    this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.#view;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.end - this.pos) {
      throw truncatedError(
        `${what}: needs ${bytes} bytes at offset ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  /** The value just read must end the input: trailing bytes are MALFORMED. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw malformedError(`${what}: ${this.end - this.pos} bytes after the message`);
    }
  }

  /** One raw byte outside msgpack (a type byte). */
  byte(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  /** `n` raw bytes outside msgpack, as a view into the input. */
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint16BE(what: string): number {
    this.need(2, what);
    const v = be16(this.bytes, this.pos);
    this.pos += 2;
    return v;
  }

  uint32BE(what: string): number {
    this.need(4, what);
    const v = be32(this.bytes, this.pos);
    this.pos += 4;
    return v;
  }

  /** Consumes a `nil` if one is next. */
  nil(): boolean {
    if (this.pos < this.end && this.bytes[this.pos] === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Any msgpack integer, exactly, as a bigint. */
  private integer(what: string): bigint {
    const b = this.byte(what);
    if (b <= 0x7f) return BigInt(b);
    if (b >= 0xe0) return BigInt(b - 0x100);
    const at = this.pos;
    switch (b) {
      case 0xcc:
        this.need(1, what);
        this.pos += 1;
        return BigInt(this.view.getUint8(at));
      case 0xcd:
        this.need(2, what);
        this.pos += 2;
        return BigInt(this.view.getUint16(at));
      case 0xce:
        this.need(4, what);
        this.pos += 4;
        return BigInt(this.view.getUint32(at));
      case 0xcf:
        this.need(8, what);
        this.pos += 8;
        return this.view.getBigUint64(at);
      case 0xd0:
        this.need(1, what);
        this.pos += 1;
        return BigInt(this.view.getInt8(at));
      case 0xd1:
        this.need(2, what);
        this.pos += 2;
        return BigInt(this.view.getInt16(at));
      case 0xd2:
        this.need(4, what);
        this.pos += 4;
        return BigInt(this.view.getInt32(at));
      case 0xd3:
        this.need(8, what);
        this.pos += 8;
        return this.view.getBigInt64(at);
      default:
        throw malformedError(`${what}: expected an integer, got 0x${b.toString(16)}`);
    }
  }

  /** An unsigned Go integer of at most `bits` bits (8, 16, 32), as a number. nil → 0. */
  uint(bits: 8 | 16 | 32, what: string): number {
    // The forms Go writes for these fields, read without a bigint; the rest go the long way.
    if (this.pos < this.end) {
      const b = this.bytes[this.pos]!;
      let v = -1;
      if (b <= 0x7f) {
        v = b;
        this.pos += 1;
      } else if (b === 0xcc && this.end - this.pos >= 2) {
        v = this.bytes[this.pos + 1]!;
        this.pos += 2;
      } else if (b === 0xcd && this.end - this.pos >= 3) {
        v = be16(this.bytes, this.pos + 1);
        this.pos += 3;
      } else if (b === 0xce && this.end - this.pos >= 5) {
        v = be32(this.bytes, this.pos + 1);
        this.pos += 5;
      }
      if (v >= 0) {
        if (v >= 2 ** bits) throw malformedError(`${what}: ${v} does not fit uint${bits}`);
        return v;
      }
    }
    if (this.nil()) return 0;
    const v = this.integer(what);
    if (v < 0n || v >= 1n << BigInt(bits)) {
      throw malformedError(`${what}: ${v} does not fit uint${bits}`);
    }
    return Number(v);
  }

  /** A Go `uint64`, as a bigint. nil → 0. */
  uint64(what: string): bigint {
    if (this.nil()) return 0n;
    const v = this.integer(what);
    if (v < 0n) throw malformedError(`${what}: ${v} does not fit uint64`);
    return v;
  }

  /** A Go `int64` (also `time.Duration`), as a bigint. nil → 0. */
  int64(what: string): bigint {
    if (this.nil()) return 0n;
    const v = this.integer(what);
    if (v >= 1n << 63n) throw malformedError(`${what}: ${v} does not fit int64`);
    return v;
  }

  /** A Go `int` that must also be a safe JS integer; nil → 0. */
  int(what: string): number {
    const v = this.int64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw malformedError(`${what}: ${v} is beyond 2^53`);
    }
    return Number(v);
  }

  /** A Go `bool`; like go-msgpack, the integers 0 and 1 are accepted too. nil → false. */
  bool(what: string): boolean {
    if (this.nil()) return false;
    const b = this.bytes[this.pos];
    if (b === 0xc2 || b === 0xc3) {
      this.pos++;
      return b === 0xc3;
    }
    if (b === undefined) throw truncatedError(`${what}: missing bool at offset ${this.pos}`);
    const v = this.integer(what);
    if (v === 0n || v === 1n) return v === 1n;
    throw malformedError(`${what}: ${v} is not a bool`);
  }

  /** A Go `float64`; float32 is widened as Go does. nil → 0. */
  float64(what: string): number {
    if (this.nil()) return 0;
    const b = this.byte(what);
    if (b === 0xcb) {
      this.need(8, what);
      const v = this.view.getFloat64(this.pos);
      this.pos += 8;
      return v;
    }
    if (b === 0xca) {
      this.need(4, what);
      const v = this.view.getFloat32(this.pos);
      this.pos += 4;
      return v;
    }
    throw malformedError(`${what}: expected a float, got 0x${b.toString(16)}`);
  }

  /**
   * Length of a str (or, with `allowBin`, bin) value whose header is next; the body follows.
   * Checks the body against what remains and against `max` (named `limitName`).
   */
  private rawLength(what: string, allowBin: boolean, max: number, limitName: string): number {
    const b = this.byte(what);
    let n: number;
    if (b >= 0xa0 && b <= 0xbf) {
      n = b & 0x1f;
    } else if (b === 0xd9 || (allowBin && b === 0xc4)) {
      n = this.take(1, what)[0]!;
    } else if (b === 0xda || (allowBin && b === 0xc5)) {
      n = this.uint16BE(what);
    } else if (b === 0xdb || (allowBin && b === 0xc6)) {
      n = this.uint32BE(what);
    } else {
      throw malformedError(
        `${what}: expected ${allowBin ? 'a byte string' : 'a string'}, got 0x${b.toString(16)}`,
      );
    }
    if (n > max) throw oversizeError(what, n, limitName, max);
    this.need(n, what);
    return n;
  }

  /** A Go `[]byte`: a copy, or null for nil. */
  bytesOrNil(what: string, max: number, limitName: string): Uint8Array | null {
    if (this.nil()) return null;
    const n = this.rawLength(what, true, max, limitName);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A Go `[]byte` where nil and empty mean the same to us: never null. */
  bytes0(what: string, max: number, limitName: string): Uint8Array {
    return this.bytesOrNil(what, max, limitName) ?? new Uint8Array(0);
  }

  /** A Go `string`: str family only, well-formed UTF-8. nil → ''. */
  string(what: string, max: number, limitName: string): string {
    if (this.nil()) return '';
    const n = this.rawLength(what, false, max, limitName);
    const text = this.#text(n);
    if (text === undefined) throw malformedError(`${what}: not well-formed UTF-8`);
    return text;
  }

  /** The next `n` bytes (already bounds-checked) as text; undefined if not well-formed UTF-8. */
  #text(n: number): string | undefined {
    const start = this.pos;
    this.pos += n;
    if (n <= SHORT_STRING_BYTES_MAX) {
      const ascii = asciiString(this.bytes, start, n);
      if (ascii !== undefined) return ascii;
    }
    try {
      return utf8.decode(this.bytes.subarray(start, start + n));
    } catch {
      return undefined;
    }
  }

  /** Header of a map; null for nil. */
  mapHeaderOrNil(what: string, max: number, limitName: string): number | null {
    if (this.nil()) return null;
    const b = this.byte(what);
    let n: number;
    if (b >= 0x80 && b <= 0x8f) n = b & 0x0f;
    else if (b === 0xde) n = this.uint16BE(what);
    else if (b === 0xdf) n = this.uint32BE(what);
    else throw malformedError(`${what}: expected a map, got 0x${b.toString(16)}`);
    if (n > max) throw oversizeError(what, n, limitName, max);
    // Each entry takes at least two bytes: a cheap early refusal of absurd counts.
    this.need(n * 2, what);
    return n;
  }

  /** Header of an array; null for nil. */
  arrayHeaderOrNil(what: string, max: number, limitName: string): number | null {
    if (this.nil()) return null;
    const b = this.byte(what);
    let n: number;
    if (b >= 0x90 && b <= 0x9f) n = b & 0x0f;
    else if (b === 0xdc) n = this.uint16BE(what);
    else if (b === 0xdd) n = this.uint32BE(what);
    else throw malformedError(`${what}: expected an array, got 0x${b.toString(16)}`);
    if (n > max) throw oversizeError(what, n, limitName, max);
    this.need(n, what);
    return n;
  }

  /**
   * A struct key. Returns undefined for keys that cannot be ours (too long, not UTF-8): the
   * caller then skips the value, as Go skips unknown keys.
   */
  key(what: string): string | undefined {
    const n = this.rawLength(`${what} key`, false, 0xffffffff, 'the input');
    if (n > KEY_BYTES_MAX) {
      this.pos += n;
      return undefined;
    }
    return this.#text(n);
  }

  /** Skips one value of any type (bounded nesting). */
  skip(what: string, depth = 0): void {
    if (depth > SKIP_DEPTH_MAX) {
      throw malformedError(`${what}: nesting deeper than ${SKIP_DEPTH_MAX}`);
    }
    const b = this.byte(what);
    let bodyBytes = 0;
    let items = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // A whole value in one byte.
    } else if (b >= 0xa0 && b <= 0xbf) {
      bodyBytes = b & 0x1f;
    } else if (b >= 0x80 && b <= 0x8f) {
      items = (b & 0x0f) * 2;
    } else if (b >= 0x90 && b <= 0x9f) {
      items = b & 0x0f;
    } else {
      switch (b) {
        case 0xc4:
        case 0xd9:
          bodyBytes = this.take(1, what)[0]!;
          break;
        case 0xc5:
        case 0xda:
          bodyBytes = this.uint16BE(what);
          break;
        case 0xc6:
        case 0xdb:
          bodyBytes = this.uint32BE(what);
          break;
        case 0xcc:
        case 0xd0:
          bodyBytes = 1;
          break;
        case 0xcd:
        case 0xd1:
          bodyBytes = 2;
          break;
        case 0xca:
        case 0xce:
        case 0xd2:
          bodyBytes = 4;
          break;
        case 0xcb:
        case 0xcf:
        case 0xd3:
          bodyBytes = 8;
          break;
        case 0xdc:
          items = this.uint16BE(what);
          break;
        case 0xdd:
          items = this.uint32BE(what);
          break;
        case 0xde:
          items = this.uint16BE(what) * 2;
          break;
        case 0xdf:
          items = this.uint32BE(what) * 2;
          break;
        default:
          // 0xc1 (reserved) and the extension types: go-msgpack's default handle has none
          // registered for memberlist's structs.
          throw malformedError(`${what}: unsupported msgpack byte 0x${b.toString(16)}`);
      }
    }
    if (bodyBytes > 0) this.take(bodyBytes, what);
    if (items > 0) this.skipItems(what, items, depth);
  }

  private skipItems(what: string, count: number, depth: number): void {
    this.need(count, what);
    for (let i = 0; i < count; i++) this.skip(what, depth + 1);
  }
}
