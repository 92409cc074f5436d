/**
 * Address text as Go's `net.IP.String()` writes it: memberlist keys a refutation's
 * broadcast by it, and join errors name seeds with it.
 */

import type { MemberAddress } from '../types.ts';

/** Go's `net.IP.String()`: dotted quad for IPv4 and IPv4-mapped IPv6, RFC 5952 otherwise. */
export function ipString(ip: Uint8Array): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (ip.length !== 16)
    return `?${Array.from(ip, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  let mapped = ip[10] === 0xff && ip[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (ip[i] !== 0) mapped = false;
  if (mapped) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // The longest run of two or more zero groups becomes '::' (first one on ties).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** `host:port` as Go's `net.JoinHostPort` writes it (IPv6 in brackets). */
export function addressString(a: MemberAddress): string {
  const host = ipString(a.ip);
  return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`;
}

export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  // Go's bytes.Equal treats nil and empty as equal.
  const la = a === null ? 0 : a.length;
  const lb = b === null ? 0 : b.length;
  if (la !== lb) return false;
  for (let i = 0; i < la; i++) if (a![i] !== b![i]) return false;
  return true;
}
