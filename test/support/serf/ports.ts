/**
 * Free ports for processes that must be told their port in advance.
 *
 * A Serf agent takes explicit `-bind` and `-rpc-addr` ports (port 0 would leave us unable
 * to tell its peers where it is), so we ask the OS: bind port 0, read the port, close, hand
 * it over. Between the close and the agent's own bind another process on this shared machine
 * may take the port; the caller detects that (the agent exits with "address already in
 * use") and retries with fresh ports. The gossip port must be free for both TCP and UDP,
 * since memberlist binds both on it, so that one is checked on both before it is returned.
 *
 * Ports from port 0 come from the ephemeral range, which outgoing connections also draw
 * their local ports from: when many agents start at once, their own joins can take a port
 * handed out for an agent that has not bound yet. Callers that pre-allocate many ports and
 * cannot retry (the benchmarks, which start every joiner at the same instant) use
 * `PortRange` instead: ports below the ephemeral range, which no outgoing connection uses.
 */

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Attempts at finding a port free for TCP and UDP alike before giving up. */
const PORT_ATTEMPTS_MAX = 20;

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

function udpPortIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** A TCP port the OS considered free a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return freeTcpPort(host);
}

/** A port free for TCP and UDP a moment ago (memberlist's gossip port needs both). */
export async function freeTcpUdpPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < PORT_ATTEMPTS_MAX; attempt++) {
    const port = await freeTcpPort(host);
    if (await udpPortIsFree(host, port)) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host} in ${PORT_ATTEMPTS_MAX} tries`);
}

/** Size of the span below the ephemeral range that `PortRange` hands ports out from. */
const BELOW_EPHEMERAL_SPAN = 12_000;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 2048 ? n : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Hands out distinct ports below the ephemeral range, each checked free (TCP and UDP) when
 * handed out. The scan starts at a random offset so that concurrent users are unlikely to
 * probe the same ports in the same order.
 */
export class PortRange {
  readonly #low: number;
  readonly #high: number;
  #next: number;
  readonly #host: string;

  constructor(host = '127.0.0.1') {
    this.#host = host;
    this.#high = ephemeralLow();
    this.#low = Math.max(1_024, this.#high - BELOW_EPHEMERAL_SPAN);
    this.#next = this.#low + Math.floor(Math.random() * (this.#high - this.#low));
  }

  /** The next port free for TCP and UDP; throws after a full lap without one. */
  async take(): Promise<number> {
    const span = this.#high - this.#low;
    for (let tried = 0; tried < span; tried++) {
      const port = this.#next;
      this.#next = this.#next + 1 >= this.#high ? this.#low : this.#next + 1;
      if ((await tcpPortIsFree(this.#host, port)) && (await udpPortIsFree(this.#host, port))) {
        return port;
      }
    }
    throw new Error(`no free port in ${this.#low}..${this.#high - 1} on ${this.#host}`);
  }
}

function tcpPortIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
