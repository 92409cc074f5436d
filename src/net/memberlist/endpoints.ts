/**
 * Endpoints as users write them, for the library API: "host:port" for bind, advertise and
 * join seeds.
 *
 * Accepted forms: "10.0.0.1:7946", "[fe80::1]:7946", "node.example:7946", and any of those
 * without ":port", which then means memberlist's default port 7946 (seeds, advertise) or
 * what the caller says. Bind and advertise addresses must be IP literals (binding to a name
 * would be ambiguous); seeds may be names, resolved with the system resolver to every
 * address they have, as memberlist tries each address of a seed.
 *
 * A bind address of 0.0.0.0 or :: cannot be advertised; as memberlist does, the first
 * private IPv4 address of a network interface is advertised instead (then any non-loopback
 * IPv4), and without one the user must say `advertise`.
 */

import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { ConfigError } from '../../core/errors.ts';
import type { MemberAddress } from '../../membership/types.ts';
import { ipBytes } from './ip.ts';

/** memberlist's `BindPort`/`AdvertisePort` default. */
export const DEFAULT_PORT = 7946;

export interface Endpoint {
  /** IP literal or name, without brackets. */
  readonly host: string;
  readonly port: number;
}

/**
 * Splits "host:port" / "[v6]:port" / "host". Throws `ConfigError(field)` on bad syntax or a
 * port out of range (0 only when `allowPortZero`).
 */
export function parseEndpoint(
  text: string,
  field: string,
  defaultPort: number,
  allowPortZero = false,
): Endpoint {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ConfigError(field, `expected HOST:PORT, got ${JSON.stringify(text)}`);
  }
  let host = text.trim();
  let portText: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) throw new ConfigError(field, `unclosed '[' in '${text}'`);
    const after = host.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) {
      throw new ConfigError(field, `expected [IPV6]:PORT, got '${text}'`);
    }
    portText = after === '' ? undefined : after.slice(1);
    host = host.slice(1, close);
  } else {
    const colons = host.split(':').length - 1;
    if (colons === 1) {
      portText = host.slice(host.indexOf(':') + 1);
      host = host.slice(0, host.indexOf(':'));
    }
    // More than one colon and no brackets: a bare IPv6 literal without a port.
  }
  if (host === '') throw new ConfigError(field, `missing host in '${text}'`);
  let port = defaultPort;
  if (portText !== undefined) {
    port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  }
  const min = allowPortZero ? 0 : 1;
  if (!(port >= min && port <= 65_535)) {
    throw new ConfigError(field, `port must be an integer in ${min}..65535, got '${portText}'`);
  }
  return { host, port };
}

/** The addresses a seed stands for: itself for an IP literal, every A/AAAA record otherwise. */
export async function resolveEndpoint(e: Endpoint): Promise<MemberAddress[]> {
  const literal = ipBytes(e.host);
  if (literal !== undefined) return [{ ip: literal, port: e.port }];
  const records = await lookup(e.host, { all: true });
  const out: MemberAddress[] = [];
  for (const r of records) {
    const ip = ipBytes(r.address);
    if (ip !== undefined) out.push({ ip, port: e.port });
  }
  return out;
}

function isPrivateV4(b: Uint8Array): boolean {
  return (
    b[0] === 10 ||
    (b[0] === 172 && b[1]! >= 16 && b[1]! < 32) ||
    (b[0] === 192 && b[1] === 168) ||
    (b[0] === 100 && b[1]! >= 64 && b[1]! < 128) // carrier-grade NAT, as memberlist counts it
  );
}

/** What to advertise for a wildcard bind: a private IPv4 of an interface, else any non-loopback. */
export function interfaceAddress(): string | undefined {
  const candidates: Uint8Array[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue;
      const b = ipBytes(i.address);
      if (b !== undefined) candidates.push(b);
    }
  }
  const chosen = candidates.find(isPrivateV4) ?? candidates[0];
  return chosen?.join('.');
}
