/**
 * LZW as memberlist uses it: Go's `compress/lzw` with `lzw.LSB` bit order and literal width 8.
 *
 * The format (the variable-width LZW of GIF and TIFF, with GIF's code packing):
 *   - codes 0..255 stand for themselves, 256 is CLEAR, 257 is END; the first string added to
 *     the table gets code 258;
 *   - codes start 9 bits wide and widen by one bit, up to 12, as soon as the next free code
 *     reaches the current width's limit (2^width); bits are packed least significant first
 *     and the last byte is zero-padded;
 *
 * and the habits of Go's implementation that a byte-exact writer must copy:
 *   - the writer always starts with CLEAR and ends with END;
 *   - it counts a code as "assigned" for every code it emits after the first of a run
 *     (including the last one written at close), widening at 2^width as above;
 *   - when its next free code would be 4095 it emits CLEAR (at the current, 12-bit width)
 *     and starts over at 9 bits with an empty table, so code 4095 never appears from Go;
 *
 * and of Go's reader, which decides what we must accept:
 *   - a code is valid if it is a literal, CLEAR, END, or at most the next free code (the
 *     "KwKwK" case: next free code = previous string + its own first byte);
 *   - once the table is full at 12 bits it stops adding entries (no error) until CLEAR;
 *   - input that ends before END is an error (Go: unexpected EOF); bytes after END are
 *     ignored.
 *
 * Go puts no bound on the decompressed size. Ours does: the caller passes `outputBytesMax`
 * (a `MemberlistLimits` field) and an overflow is `HEARSAY_ERR_DECODE_OVERSIZE` before the
 * output buffer grows past it.
 */

import { RemoteError } from '../../core/errors.ts';

const LITERAL_WIDTH = 8;
const CLEAR = 1 << LITERAL_WIDTH; // 256
const END = CLEAR + 1; // 257
const WIDTH_MIN = LITERAL_WIDTH + 1; // 9
const WIDTH_MAX = 12;
/** Go's writer resets when its next free code reaches this (1<<12 - 1). */
const WRITER_CODE_LIMIT = (1 << WIDTH_MAX) - 1;
const TABLE_SIZE = 1 << WIDTH_MAX;

/** Growable output for the writer; sized from the input so it rarely grows. */
class BitWriter {
  private out: Uint8Array;
  private length = 0;
  private bits = 0;
  private bitCount = 0;

  constructor(expectedBytes: number) {
    this.out = new Uint8Array(Math.max(16, expectedBytes));
  }

  write(code: number, width: number): void {
    this.bits |= code << this.bitCount;
    this.bitCount += width;
    while (this.bitCount >= 8) {
      this.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.bitCount -= 8;
    }
  }

  private push(byte: number): void {
    if (this.length === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.length++] = byte;
  }

  finish(): Uint8Array {
    if (this.bitCount > 0) this.push(this.bits & 0xff);
    return this.out.slice(0, this.length);
  }
}

/**
 * The writer's string table: (prefix code << 8 | next byte) → code, as an open-addressing
 * hash table in two typed arrays. At most 4096 − 258 strings live in it before Go's writer
 * resets, so 2^13 slots keep it at most half full. A `Map` did the same at a few times the
 * cost per input byte, and compression sits on the path of every push/pull a seed answers
 * (a cluster joining at once is a burst of them).
 */
const HASH_BITS = 13;
const HASH_SLOTS = 1 << HASH_BITS;
const HASH_MASK = HASH_SLOTS - 1;
const EMPTY = -1;

class StringTable {
  readonly keys = new Int32Array(HASH_SLOTS).fill(EMPTY);
  readonly codes = new Uint16Array(HASH_SLOTS);

  clear(): void {
    this.keys.fill(EMPTY);
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  slot(key: number): number {
    let i = Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
    while (this.keys[i] !== EMPTY && this.keys[i] !== key) i = (i + 1) & HASH_MASK;
    return i;
  }
}

/** Reused between calls (compression is synchronous); cleared at the start of each. */
const writerTable = new StringTable();

/** Compresses `input` to exactly the bytes Go's `lzw.NewWriter(w, lzw.LSB, 8)` produces. */
export function lzwCompress(input: Uint8Array): Uint8Array {
  const out = new BitWriter((input.length >> 1) + 8);
  let width = WIDTH_MIN;
  let nextCode = END; // last assigned code; the next string gets nextCode + 1
  let widthLimit = 1 << WIDTH_MIN;
  const table = writerTable;
  table.clear();
  const keys = table.keys;
  const codes = table.codes;

  out.write(CLEAR, width);
  if (input.length === 0) {
    out.write(END, width);
    return out.finish();
  }
  let code = input[0]!;
  for (let i = 1; i < input.length; i++) {
    const byte = input[i]!;
    const key = (code << 8) | byte;
    const at = table.slot(key);
    if (keys[at] === key) {
      code = codes[at]!;
      continue;
    }
    out.write(code, width);
    code = byte;
    // One more code assigned; at the writer's limit Go emits CLEAR and starts over instead
    // of recording the pending string.
    nextCode++;
    if (nextCode === widthLimit) {
      width++;
      widthLimit <<= 1;
    }
    if (nextCode === WRITER_CODE_LIMIT) {
      out.write(CLEAR, width);
      width = WIDTH_MIN;
      nextCode = END;
      widthLimit = 1 << WIDTH_MIN;
      table.clear();
    } else {
      keys[at] = key;
      codes[at] = nextCode;
    }
  }
  out.write(code, width);
  // The last code counts as assigned too, which may widen the END code that follows.
  nextCode++;
  if (nextCode === widthLimit) width++;
  if (nextCode === WRITER_CODE_LIMIT) {
    out.write(CLEAR, width);
    width = WIDTH_MIN;
  }
  out.write(END, width);
  return out.finish();
}

/**
 * The reader's string table and expansion buffer, reused between calls (decompression is
 * synchronous). Only entries written since the last CLEAR of the current call are ever read
 * (every code below `hi` was added by this call; `hi` itself only in the KwKwK case, which
 * reads `last`'s chain), so what an earlier call left behind never leaks into the output.
 * Fresh tables cost three allocations a packet, and each packet a node receives is
 * decompressed.
 */
const readerPrefix = new Uint16Array(TABLE_SIZE);
const readerSuffix = new Uint8Array(TABLE_SIZE);
const readerScratch = new Uint8Array(TABLE_SIZE);

function oversize(what: string, outputBytesMax: number): RemoteError {
  return new RemoteError(
    'HEARSAY_ERR_DECODE_OVERSIZE',
    `${what}: decompressed output exceeds ${outputBytesMax} bytes`,
  );
}

/**
 * Decompresses Go-LZW (LSB, 8-bit literals). Throws `RemoteError`: MALFORMED for an invalid
 * code, TRUNCATED when the input ends before END, OVERSIZE past `outputBytesMax`.
 */
export function lzwDecompress(input: Uint8Array, outputBytesMax: number, what = 'lzw'): Uint8Array {
  const prefix = readerPrefix;
  const suffix = readerSuffix;
  const scratch = readerScratch;
  let out = new Uint8Array(Math.min(outputBytesMax, Math.max(64, input.length * 3)));
  let length = 0;

  let width = WIDTH_MIN;
  let hi = END; // the code the next new string will get, once a previous code is known
  let widthLimit = 1 << WIDTH_MIN;
  let last = -1; // previous code, or -1 right after CLEAR / when the table is full
  let bits = 0;
  let bitCount = 0;
  let pos = 0;

  for (;;) {
    while (bitCount < width) {
      if (pos >= input.length) {
        throw new RemoteError(
          'HEARSAY_ERR_DECODE_TRUNCATED',
          `${what}: stream ends before the end code`,
        );
      }
      bits |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    bitCount -= width;

    if (code === CLEAR) {
      width = WIDTH_MIN;
      hi = END;
      widthLimit = 1 << WIDTH_MIN;
      last = -1;
      continue;
    }
    if (code === END) break;
    // The string for `code`, expanded back to front into scratch[start, TABLE_SIZE): the
    // table stores each string as (prefix code, last byte).
    let start = TABLE_SIZE;
    let head: number;
    if (code < CLEAR) {
      scratch[--start] = code;
      head = code;
    } else if (code <= hi) {
      let c = code;
      if (code === hi && last !== -1) {
        // KwKwK: the string is last's string plus last's first byte.
        let first = last;
        while (first >= CLEAR) first = prefix[first]!;
        scratch[--start] = first;
        c = last;
      }
      while (c >= CLEAR) {
        scratch[--start] = suffix[c]!;
        c = prefix[c]!;
      }
      scratch[--start] = c;
      head = c;
    } else {
      throw new RemoteError('HEARSAY_ERR_DECODE_MALFORMED', `${what}: invalid code ${code}`);
    }
    const n = TABLE_SIZE - start;
    if (length + n > outputBytesMax) throw oversize(what, outputBytesMax);
    if (length + n > out.length) {
      let size = Math.max(64, out.length * 2);
      while (size < length + n) size *= 2;
      const next = new Uint8Array(Math.min(size, outputBytesMax));
      next.set(out.subarray(0, length));
      out = next;
    }
    for (let i = start; i < TABLE_SIZE; i++) out[length++] = scratch[i]!;
    if (last !== -1) {
      suffix[hi] = head;
      prefix[hi] = last;
    }
    last = code;
    hi++;
    if (hi >= widthLimit) {
      if (width === WIDTH_MAX) {
        // Table full: keep decoding with what we have, add nothing until CLEAR.
        last = -1;
        hi--;
      } else {
        width++;
        widthLimit <<= 1;
      }
    }
  }
  return out.slice(0, length);
}
