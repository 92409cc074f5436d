/**
 * msgpack exactly as HashiCorp's go-msgpack 0.5.5 writes it with a default `MsgpackHandle`
 * (`WriteExt: false`, `RawToString: false`): the dialect memberlist and Serf put on the wire.
 *
 * Byte-exactness matters, not only acceptance: memberlist compares node meta as bytes and
 * refutes an alive about itself whose meta differs, and the captured vectors are checked by
 * re-encoding. The rules (go-msgpack encode.go / msgpack.go):
 *
 *   - strings and byte slices both use the *str* family, and never str8: fixstr below 32
 *     bytes, str16 below 65536, str32 beyond. No bin type is ever written.
 *   - every integer ≥ 0, whatever its Go type, takes the shortest *unsigned* form; negative
 *     integers take negative fixint or the shortest signed form.
 *   - maps and arrays: fix form below 16 entries, then 16-bit, then 32-bit headers.
 *   - nil slices, maps and byte slices are `c0`.
 *
 * Struct layout (which keys, in which order) is the callers' business: `messages-codec.ts`
 * writes each struct's keys in byte-wise sorted order, as go-msgpack does.
 *
 * This writer only ever sees values we built, so bad input is an `assert` (our bug), never a
 * `RemoteError`.
 */

import { assert } from '../../core/errors.ts';

const utf8 = new TextEncoder();
/** Strings this long or longer may need more than 65,535 UTF-8 bytes: encoded the slow way. */
const STR16_CHARS_MAX = 0x5555;

export class GoMsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far (a copy: the writer may be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  get byteLength(): number {
    return this.length;
  }

  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** One raw byte outside msgpack (message type bytes, framing). */
  byte(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `byte out of range: ${value}`);
    this.reserve(1);
    this.buf[this.length++] = value;
  }

  /** Raw bytes outside msgpack, copied verbatim. */
  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
  }

  uint16BE(value: number): void {
    assert(
      Number.isInteger(value) && value >= 0 && value <= 0xffff,
      `uint16 out of range: ${value}`,
    );
    this.reserve(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
  }

  /** Overwrites two bytes already written (a length slot filled in after what it measures). */
  setUint16BE(offset: number, value: number): void {
    assert(
      Number.isInteger(value) && value >= 0 && value <= 0xffff,
      `uint16 out of range: ${value}`,
    );
    assert(offset >= 0 && offset + 2 <= this.length, `offset ${offset} outside what was written`);
    this.view.setUint16(offset, value);
  }

  uint32BE(value: number): void {
    assert(
      Number.isInteger(value) && value >= 0 && value <= 0xffffffff,
      `uint32 out of range: ${value}`,
    );
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  nil(): void {
    this.byte(0xc0);
  }

  bool(value: boolean): void {
    this.byte(value ? 0xc3 : 0xc2);
  }

  /** Shortest unsigned form: go-msgpack's `encodeUint`, used for every value ≥ 0. */
  uint(value: number | bigint): void {
    if (typeof value === 'bigint') {
      assert(value >= 0n && value <= 0xffffffffffffffffn, `uint64 out of range: ${value}`);
      if (value <= 0xffffffffn) {
        this.uint(Number(value));
        return;
      }
      this.reserve(9);
      this.buf[this.length] = 0xcf;
      this.view.setBigUint64(this.length + 1, value);
      this.length += 9;
      return;
    }
    assert(Number.isSafeInteger(value) && value >= 0, `uint out of range: ${value}`);
    if (value <= 0x7f) {
      this.byte(value);
    } else if (value <= 0xff) {
      this.reserve(2);
      this.buf[this.length] = 0xcc;
      this.buf[this.length + 1] = value;
      this.length += 2;
    } else if (value <= 0xffff) {
      this.reserve(3);
      this.buf[this.length] = 0xcd;
      this.view.setUint16(this.length + 1, value);
      this.length += 3;
    } else if (value <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.length] = 0xce;
      this.view.setUint32(this.length + 1, value);
      this.length += 5;
    } else {
      this.uint(BigInt(value));
    }
  }

  /** A Go `uintN` field: the range is checked (our bug if not), the form is still shortest. */
  uintN(bits: 8 | 16 | 32, value: number): void {
    assert(
      Number.isInteger(value) && value >= 0 && value < 2 ** bits,
      `uint${bits} out of range: ${value}`,
    );
    this.uint(value);
  }

  /** go-msgpack's `encodeInt`: unsigned form when ≥ 0, else the shortest signed form. */
  int(value: number | bigint): void {
    const big = typeof value === 'bigint' ? value : BigInt(value);
    if (typeof value === 'number')
      assert(Number.isSafeInteger(value), `int out of range: ${value}`);
    assert(big >= -(1n << 63n) && big < 1n << 63n, `int64 out of range: ${big}`);
    if (big >= 0n) {
      this.uint(big);
      return;
    }
    const n = Number(big);
    if (big >= -32n) {
      this.byte(n & 0xff);
    } else if (big >= -128n) {
      this.reserve(2);
      this.buf[this.length] = 0xd0;
      this.view.setInt8(this.length + 1, n);
      this.length += 2;
    } else if (big >= -32768n) {
      this.reserve(3);
      this.buf[this.length] = 0xd1;
      this.view.setInt16(this.length + 1, n);
      this.length += 3;
    } else if (big >= -2147483648n) {
      this.reserve(5);
      this.buf[this.length] = 0xd2;
      this.view.setInt32(this.length + 1, n);
      this.length += 5;
    } else {
      this.reserve(9);
      this.buf[this.length] = 0xd3;
      this.view.setBigInt64(this.length + 1, big);
      this.length += 9;
    }
  }

  float64(value: number): void {
    this.reserve(9);
    this.buf[this.length] = 0xcb;
    this.view.setFloat64(this.length + 1, value);
    this.length += 9;
  }

  /** A Go `[]byte` or `string` body: str family, no str8. */
  raw(value: Uint8Array): void {
    const n = value.length;
    if (n < 32) {
      this.byte(0xa0 | n);
    } else if (n < 0x10000) {
      this.byte(0xda);
      this.uint16BE(n);
    } else {
      this.byte(0xdb);
      this.uint32BE(n);
    }
    this.bytes(value);
  }

  /** A Go `[]byte` that may be nil. */
  rawOrNil(value: Uint8Array | null): void {
    if (value === null) this.nil();
    else this.raw(value);
  }

  /** A Go `string`. Lone surrogates cannot be written as UTF-8: refusing them is our contract. */
  string(value: string): void {
    const chars = value.length;
    // Names and keys are short ASCII: written a char at a time, no call into the runtime.
    if (chars < 32) {
      this.reserve(1 + chars);
      const buf = this.buf;
      const at = this.length + 1;
      let i = 0;
      for (; i < chars; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === chars) {
        buf[this.length] = 0xa0 | chars;
        this.length = at + chars;
        return;
      }
    }
    assert(value.isWellFormed(), 'string with a lone surrogate cannot be encoded');
    if (chars >= STR16_CHARS_MAX) {
      this.raw(utf8.encode(value));
      return;
    }
    // Encoded in place, behind room for a str16 header; a short result (the usual case: node
    // names, tag keys) then slides back behind a one-byte fixstr header. No copy of the
    // string's bytes is allocated, which `encode` would do for every name of every message.
    this.reserve(3 + 3 * chars);
    const at = this.length;
    const { written } = utf8.encodeInto(value, this.buf.subarray(at + 3));
    if (written < 32) {
      this.buf.copyWithin(at + 1, at + 3, at + 3 + written);
      this.buf[at] = 0xa0 | written;
      this.length = at + 1 + written;
    } else {
      this.buf[at] = 0xda;
      this.view.setUint16(at + 1, written);
      this.length = at + 3 + written;
    }
  }

  mapHeader(entries: number): void {
    this.containerHeader(entries, 0x80, 0xde, 0xdf);
  }

  arrayHeader(entries: number): void {
    this.containerHeader(entries, 0x90, 0xdc, 0xdd);
  }

  private containerHeader(entries: number, fix: number, b16: number, b32: number): void {
    assert(
      Number.isInteger(entries) && entries >= 0 && entries <= 0xffffffff,
      `bad count ${entries}`,
    );
    if (entries < 16) {
      this.byte(fix | entries);
    } else if (entries < 0x10000) {
      this.byte(b16);
      this.uint16BE(entries);
    } else {
      this.byte(b32);
      this.uint32BE(entries);
    }
  }
}
