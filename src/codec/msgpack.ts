/**
 * msgpack in and out, with the untrusted direction fenced off.
 *
 * `packMsgpack` is a thin wrapper over msgpackr (records off, so the output is plain
 * MessagePack any implementation reads). `unpackMsgpack` turns hostile bytes into an
 * `unknown` value and throws only `RemoteError`:
 *
 *   1. the byte limit is checked before anything is parsed;
 *   2. `scanMsgpack` walks the structure without allocating: every declared length must fit
 *      in the bytes that remain (so a 4 GiB array header in a 20-byte packet is refused
 *      before msgpackr sizes an array from it), nesting is bounded, extension types (which
 *      msgpackr would turn into Dates, Sets, RegExps, typed arrays …) and the reserved byte
 *      0xc1 are refused, strings must be well-formed UTF-8 (msgpackr would silently
 *      substitute U+FFFD), and the value must end exactly at the end of the bytes;
 *   3. only then does msgpackr build the value, and anything it still throws becomes
 *      `HEARSAY_ERR_DECODE_MALFORMED`.
 *
 * The result is still untrusted: callers check every field with `validate.ts`. Binary
 * values come back as views into the input; the field readers copy them.
 *
 * What does not live here: the version/type header (`envelope.ts`) and field checks.
 */

import { Packr, Unpackr } from 'msgpackr';
import { RemoteError } from '../core/errors.ts';
import { isWellFormedUtf8 } from './utf8.ts';

export interface MsgpackLimits {
  /** Largest input accepted, in bytes; checked before parsing. */
  readonly bytesMax: number;
  /** Deepest container nesting accepted (1 = a flat array of scalars). */
  readonly depthMax: number;
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/**
 * Encodes a value we built ourselves. The returned bytes may share memory with msgpackr's
 * internal buffer: copy them (as `envelope.ts` does) before keeping them.
 */
export function packMsgpack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes untrusted bytes into an unvalidated value; throws only `RemoteError`. */
export function unpackMsgpack(bytes: Uint8Array, limits: MsgpackLimits): unknown {
  if (bytes.length > limits.bytesMax) {
    throw new RemoteError(
      'HEARSAY_ERR_DECODE_OVERSIZE',
      `msgpack body of ${bytes.length} bytes exceeds bytesMax ${limits.bytesMax}`,
    );
  }
  scanMsgpack(bytes, limits.depthMax);
  try {
    return unpackr.unpack(bytes);
  } catch (cause) {
    // The scan accepts only what msgpackr should read; landing here is msgpackr disagreeing
    // (a bug on either side), still the peer's bytes that caused it, so it stays a drop.
    throw new RemoteError('HEARSAY_ERR_DECODE_MALFORMED', `msgpack: ${String(cause)}`, { cause });
  }
}

function truncated(what: string, at: number): RemoteError {
  return new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', `msgpack: ${what} at byte ${at}`);
}

/**
 * Structural check of one MessagePack value filling `bytes` exactly. Throws TRUNCATED when
 * a declared length runs past the end, MALFORMED on reserved or extension bytes and on
 * trailing bytes, OVERSIZE when nesting exceeds `depthMax`. Iterative: hostile nesting
 * cannot overflow the stack.
 */
export function scanMsgpack(bytes: Uint8Array, depthMax: number): void {
  const end = bytes.length;
  if (end === 0) throw truncated('empty input', 0);
  // Elements still to read in each open container, innermost last.
  const open: number[] = [];
  let remaining = 1;
  let pos = 0;
  const uint = (width: number): number => {
    if (pos + width > end) throw truncated(`length field cut off`, pos);
    let n = 0;
    for (let i = 0; i < width; i++) n = n * 256 + bytes[pos + i]!;
    pos += width;
    return n;
  };
  const str = (len: number): void => {
    const start = pos;
    skip(len);
    if (!isWellFormedUtf8(bytes, start, pos)) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_MALFORMED',
        `msgpack: string at byte ${start} is not well-formed UTF-8`,
      );
    }
  };
  const skip = (len: number): void => {
    if (len > end - pos) throw truncated(`value of ${len} bytes announced, ${end - pos} left`, pos);
    pos += len;
  };
  const enter = (count: number): void => {
    // Every element takes at least one byte: a count above what is left cannot be honest.
    if (count > end - pos)
      throw truncated(`${count} elements announced, ${end - pos} bytes left`, pos);
    if (count === 0) return;
    if (open.length + 1 > depthMax) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_OVERSIZE',
        `msgpack: nesting deeper than depthMax ${depthMax} at byte ${pos}`,
      );
    }
    open.push(remaining);
    remaining = count;
  };

  for (;;) {
    while (remaining === 0) {
      const outer = open.pop();
      if (outer === undefined) {
        if (pos !== end) {
          throw new RemoteError(
            'HEARSAY_ERR_DECODE_MALFORMED',
            `msgpack: ${end - pos} trailing bytes after the value`,
          );
        }
        return;
      }
      remaining = outer;
    }
    remaining--;
    if (pos >= end) throw truncated('value missing', pos);
    const b = bytes[pos++]!;
    // fixint, fixmap (keys and values), fixarray, fixstr
    if (b <= 0x7f || b >= 0xe0) continue;
    if (b <= 0x8f) {
      enter((b & 0x0f) * 2);
      continue;
    }
    if (b <= 0x9f) {
      enter(b & 0x0f);
      continue;
    }
    if (b <= 0xbf) {
      str(b & 0x1f);
      continue;
    }
    switch (b) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        break;
      case 0xc4: // bin8
        skip(uint(1));
        break;
      case 0xc5: // bin16
        skip(uint(2));
        break;
      case 0xc6: // bin32
        skip(uint(4));
        break;
      case 0xd9: // str8
        str(uint(1));
        break;
      case 0xda: // str16
        str(uint(2));
        break;
      case 0xdb: // str32
        str(uint(4));
        break;
      case 0xcc: // uint8
      case 0xd0: // int8
        skip(1);
        break;
      case 0xcd:
      case 0xd1:
        skip(2);
        break;
      case 0xca: // float32
      case 0xce:
      case 0xd2:
        skip(4);
        break;
      case 0xcb: // float64
      case 0xcf:
      case 0xd3:
        skip(8);
        break;
      case 0xdc: // array16
        enter(uint(2));
        break;
      case 0xdd: // array32
        enter(uint(4));
        break;
      case 0xde: // map16
        enter(uint(2) * 2);
        break;
      case 0xdf: // map32
        enter(uint(4) * 2);
        break;
      default:
        // 0xc1 (never used) and the extension family (0xc7–0xc9, 0xd4–0xd8).
        throw new RemoteError(
          'HEARSAY_ERR_DECODE_MALFORMED',
          `msgpack: type byte 0x${b.toString(16)} not accepted at byte ${pos - 1}`,
        );
    }
  }
}
