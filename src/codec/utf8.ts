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
