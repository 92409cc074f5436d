/**
 * IP addresses as memberlist carries them: raw bytes, 4 for IPv4 and 16 for IPv6.
 *
 * memberlist puts `net.IP` bytes on the wire (`Addr` fields of alive, ping, push/pull). A Go
 * agent bound to a v4 address sends 4 bytes; one bound to `0.0.0.0` or to a v6 address sends
 * 16, an IPv4 address then being the IPv4-mapped `::ffff:a.b.c.d`. Both spellings name the
 * same endpoint, so `canonicalIp` folds a mapped address to its 4-byte form before it is
 * used as a key: otherwise one peer would get two ids.
 *
 * Sockets speak text ("10.0.0.1", "::1"). Parsing uses Node's `isIPv4`/`isIPv6` to validate
 * and a small expansion of `::` to get the bytes; names are not resolved here (that is the
 * caller's I/O, see member.ts).
 */

import { isIPv4, isIPv6 } from 'node:net';

export const IPV4_BYTES = 4;
export const IPV6_BYTES = 16;

/** The bytes of an IP literal, or undefined when `text` is not one. */
export function ipBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return new Uint8Array(text.split('.').map(Number));
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const bare = unbracketed.split('%')[0]!; // a zone ("fe80::1%eth0") is not part of the address
  if (!isIPv6(bare)) return undefined;
  return ipv6Bytes(bare);
}

function ipv6Bytes(text: string): Uint8Array {
  const out = new Uint8Array(IPV6_BYTES);
  let groupsText = text;
  let tail: number[] = [];
  // An embedded IPv4 tail ("::ffff:1.2.3.4") fills the last 4 bytes.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (isIPv4(last)) {
    tail = last.split('.').map(Number);
    groupsText = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = groupsText.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...restGroups];
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (tail.length === IPV4_BYTES) out.set(tail, 12);
  return out;
}

/** True when `ip` is `::ffff:a.b.c.d`. */
function isV4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== IPV6_BYTES) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** 4 bytes for any IPv4 address (mapped or not), 16 for IPv6; undefined for other lengths. */
export function canonicalIp(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === IPV4_BYTES) return ip;
  if (ip.length !== IPV6_BYTES) return undefined;
  return isV4Mapped(ip) ? ip.subarray(12) : ip;
}

/** Text form for a socket call: dotted quad for IPv4 (mapped too), RFC 5952-ish for IPv6. */
export function ipText(ip: Uint8Array): string {
  const c = canonicalIp(ip);
  if (c === undefined) return `<${ip.length}-byte address>`;
  if (c.length === IPV4_BYTES) return c.join('.');
  const groups: string[] = [];
  for (let i = 0; i < IPV6_BYTES; i += 2) groups.push(((c[i]! << 8) | c[i + 1]!).toString(16));
  // Compress the longest run of zero groups (two or more) to "::".
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt < 0) return groups.join(':');
  return `${groups.slice(0, bestAt).join(':')}::${groups.slice(bestAt + bestLen).join(':')}`;
}

/** "a.b.c.d:port" or "[v6]:port": the key and the log form of an endpoint. */
export function endpointText(ip: Uint8Array, port: number): string {
  const text = ipText(ip);
  return text.includes(':') ? `[${text}]:${port}` : `${text}:${port}`;
}

/** Whether a socket of this family can reach `ip` (a udp6/tcp6 socket reaches IPv4 mapped). */
export function isIpv4(ip: Uint8Array): boolean {
  return canonicalIp(ip)?.length === IPV4_BYTES;
}
