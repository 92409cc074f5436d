/**
 * UTF-8 byte length of a JavaScript string, without encoding it.
 *
 * Used by `sizeOf` in the simulator's hot path (where allocating a buffer per id would
 * dominate) and by the string validator. Ids are short (a few hundred bytes at most), so a
 * plain loop beats a call into native code. Lone surrogates count 3 bytes, as a WTF-8
 * encoder would write them; the codecs refuse them anyway (see `readString`).
 */

export function utf8ByteLength(s: string): number {
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair is one code point above U+FFFF: 4 bytes.
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether `bytes[start..end)` is well-formed UTF-8 (Unicode Table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF). Decoders check this before msgpackr sees a string,
 * because msgpackr silently replaces bad sequences with U+FFFD: two different ids on the
 * wire would become the same id here.
 */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= end) return false; // cut off
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
