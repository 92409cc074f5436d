/**
 * Peer addresses on the real host: "host:port" strings, IPv4 literals only.
 *
 * The host runs one `udp4` socket, so an address is an IPv4 literal and a port. Names
 * ("localhost", DNS) are refused rather than resolved: resolution is I/O with its own
 * failure modes, and two spellings of one peer would give it two ids in the address book.
 * The canonical form `a.b.c.d:port` is the address book's key.
 */

import { isIPv4 } from 'node:net';
import { type ErrorCode, RemoteError } from '../core/errors.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Highest TCP/UDP port number. */
export const PORT_MAX = 65_535;

/**
 * Parse "a.b.c.d:port". `allowPortZero` is for bind addresses, where 0 asks the OS for a free
 * port; a peer's port is never 0. Throws `RemoteError` (`code`) naming `field` on bad input.
 */
export function parseHostPort(
  text: string,
  field: string,
  allowPortZero = false,
  code: ErrorCode = 'HEARSAY_ERR_CONFIG_INVALID',
): HostPort {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? '' : text.slice(0, colon);
  const portText = colon < 0 ? '' : text.slice(colon + 1);
  if (!isIPv4(host)) {
    throw new RemoteError(
      code,
      `${field}: expected IPV4:PORT (e.g. 127.0.0.1:7946), got '${text}'`,
    );
  }
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  const portMin = allowPortZero ? 0 : 1;
  if (!(port >= portMin && port <= PORT_MAX)) {
    throw new RemoteError(
      code,
      `${field}: port must be an integer in ${portMin}..${PORT_MAX}, got '${portText}'`,
    );
  }
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return `${host}:${port}`;
}
