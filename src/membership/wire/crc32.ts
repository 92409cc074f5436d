/**
 * CRC-32/IEEE, the checksum of memberlist's hasCrc wrapper (Go's `crc32.ChecksumIEEE`; the
 * same CRC as zlib, PNG and Ethernet: reflected polynomial 0xEDB88320, initial value and
 * final xor 0xFFFFFFFF).
 *
 * Written out here rather than taken from `node:zlib` so the wire format stays free of
 * host modules; a 256-entry table is fast enough for 64 KiB datagrams.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
