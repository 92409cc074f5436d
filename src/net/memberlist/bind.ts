/**
 * Binding memberlist's two sockets: a TCP listener and a UDP socket on the same host:port.
 *
 * A memberlist node is one address for both transports: peers learn a single port from an
 * alive message and use it for UDP probes/gossip and for TCP push/pulls. As in memberlist
 * (net_transport.go), the TCP listener is bound first; when port 0 was asked, the UDP socket
 * then takes the port the OS gave TCP, and if that UDP port is taken both are released and
 * the pair is tried again (`bindAttemptsMax` times). The UDP receive buffer is asked for
 * `udpReceiveBufferBytes` (memberlist: 2 MiB), halving until the OS accepts.
 *
 * Failures are `RemoteError(HEARSAY_ERR_SOCKET)` carrying the OS error.
 */

import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server } from 'node:net';
import { RemoteError } from '../../core/errors.ts';

export interface BoundSockets {
  readonly udp: Socket;
  readonly tcp: Server;
  readonly host: string;
  readonly port: number;
  /** The sockets are udp6/tcp6 (dual-stack: they reach IPv4 peers as ::ffff:a.b.c.d). */
  readonly v6: boolean;
}

export interface BindOptions {
  readonly host: string;
  /** 0: any port free for both transports. */
  readonly port: number;
  readonly bindAttemptsMax: number;
  readonly udpReceiveBufferBytes: number;
}

const RECEIVE_BUFFER_BYTES_MIN = 64 * 1024;

export async function bindSockets(options: BindOptions): Promise<BoundSockets> {
  const v6 = isIPv6(options.host);
  for (let attempt = 1; ; attempt++) {
    const tcp = createServer({ noDelay: true, pauseOnConnect: false });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: options.host, port: options.port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw socketError(`listen tcp ${options.host}:${options.port}`, err);
    }
    const address = tcp.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const udp = createSocket({ type: v6 ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: options.host, port, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await Promise.all([
        new Promise<void>((resolve) => tcp.close(() => resolve())),
        new Promise<void>((resolve) => {
          try {
            udp.close(() => resolve());
          } catch {
            resolve(); // never bound: nothing to close
          }
        }),
      ]);
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (options.port === 0 && inUse && attempt < options.bindAttemptsMax) continue;
      throw socketError(`bind udp ${options.host}:${port}`, err);
    }
    setReceiveBuffer(udp, options.udpReceiveBufferBytes);
    return { udp, tcp, host: options.host, port, v6 };
  }
}

function setReceiveBuffer(udp: Socket, wantedBytes: number): void {
  for (let bytes = wantedBytes; bytes >= RECEIVE_BUFFER_BYTES_MIN; bytes = Math.floor(bytes / 2)) {
    try {
      udp.setRecvBufferSize(bytes);
      return;
    } catch {
      // Refused: memberlist halves and retries; the OS default stays otherwise.
    }
  }
}

export function socketError(what: string, err: unknown): RemoteError {
  const detail = err instanceof Error ? err.message : String(err);
  return new RemoteError('HEARSAY_ERR_SOCKET', `${what}: ${detail}`, { cause: err });
}
