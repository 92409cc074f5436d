/**
 * Free ports for processes that must be told their port in advance.
 *
 * A Serf agent takes explicit `-bind` and `-rpc-addr` ports (port 0 would leave us unable
 * to tell its peers where it is), so we ask the OS: bind port 0, read the port, close, hand
 * it over. Between the close and the agent's own bind another process on this shared machine
 * may take the port; the caller detects that (the agent exits with "address already in
 * use") and retries with fresh ports. The gossip port must be free for both TCP and UDP,
 * since memberlist binds both on it, so that one is checked on both before it is returned.
 */

import { createSocket } from 'node:dgram';
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
