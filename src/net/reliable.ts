/**
 * The reliable channel: TCP beside the UDP socket, for `ctx.sendReliable`.
 *
 * Each host listens for TCP on the same port number as its UDP socket, so one "host:port"
 * names both channels of a peer. Connections are one-way: a node sends on the connection it
 * opened to a peer (lazily, on the first reliable send, one per peer) and receives on the
 * connections peers opened to it. Replies therefore travel on the replier's own connection,
 * and no connection ever carries both directions, which keeps the state per socket tiny.
 *
 * An inbound connection arrives from an ephemeral port, so the opener first writes a
 * preamble: the magic bytes "HSY1" and its own listening port (u16 big-endian). The
 * receiver names the sender `remoteAddress:thatPort`. This is exactly as trustworthy as a
 * UDP source address (i.e. not at all, until the keyring encrypts): anything can claim a port.
 * After the preamble come length-prefixed frames (frame.ts) holding codec bytes.
 *
 * Limits: `inboundConnectionsMax` open inbound sockets, `frameBytesMax` per frame,
 * `outboundBytesMax` queued bytes per outbound connection (a slow or dead peer cannot make
 * us buffer without bound), and `preambleTimeoutMs` for a connection to say who it is.
 * Failures are reported to the host, which counts them; a reliable send to a peer that is
 * down is simply lost, as the contract allows ("may still fail if the peer is down").
 */

import { connect, createServer, type Server, type Socket } from 'node:net';
import { RemoteError } from '../core/errors.ts';
import { formatHostPort, type HostPort } from './address.ts';
import { encodeFrame, FRAME_BYTES_MAX_DEFAULT, FrameDecoder } from './frame.ts';

export const PREAMBLE_MAGIC = new Uint8Array([0x48, 0x53, 0x59, 0x31]); // "HSY1"
export const PREAMBLE_BYTES = PREAMBLE_MAGIC.length + 2;

export interface ReliableLimits {
  /** Largest frame payload sent or accepted. */
  readonly frameBytesMax: number;
  /** Most bytes queued on one outbound connection before further sends are dropped. */
  readonly outboundBytesMax: number;
  /** Most inbound connections open at once; more are closed on accept. */
  readonly inboundConnectionsMax: number;
  /** How long an inbound connection may take to send its preamble. */
  readonly preambleTimeoutMs: number;
  /** How long `close` lets outbound connections flush before destroying them. */
  readonly closeGraceMs: number;
}

export const RELIABLE_LIMITS_DEFAULT: ReliableLimits = {
  frameBytesMax: FRAME_BYTES_MAX_DEFAULT,
  outboundBytesMax: 4 * FRAME_BYTES_MAX_DEFAULT,
  inboundConnectionsMax: 1024,
  preambleTimeoutMs: 5_000,
  closeGraceMs: 1_000,
};

/** Why a reliable send or receive failed, for the host's counters. */
export type ReliableFault =
  /** The outbound queue to a peer is over `outboundBytesMax`. */
  | 'reliable-backlog'
  /** Connecting to or writing to a peer failed (refused, reset). */
  | 'reliable-connect'
  /** An inbound connection was refused because `inboundConnectionsMax` are open. */
  | 'reliable-inbound-full';

export interface ReliableHandlers {
  /** One frame payload from `from` (remote IP + the port its preamble claimed). */
  frame(from: HostPort, payload: Uint8Array): void;
  /** A peer sent bytes that break the stream format; the connection was closed. */
  remoteFault(err: RemoteError): void;
  /** A local-side failure, counted by kind. */
  fault(kind: ReliableFault, detail: string): void;
}

export class ReliableTransport {
  readonly #server: Server;
  readonly #selfPort: number;
  readonly #limits: ReliableLimits;
  readonly #handlers: ReliableHandlers;
  readonly #outbound = new Map<string, Socket>();
  readonly #inbound = new Set<Socket>();
  #closed = false;

  private constructor(
    server: Server,
    selfPort: number,
    limits: ReliableLimits,
    handlers: ReliableHandlers,
  ) {
    this.#server = server;
    this.#selfPort = selfPort;
    this.#limits = limits;
    this.#handlers = handlers;
    server.on('connection', (socket) => this.#accept(socket));
  }

  /** Listen on `host:port` (a concrete port: the UDP socket's). Rejects on EADDRINUSE etc. */
  static listen(
    bind: HostPort,
    limits: ReliableLimits,
    handlers: ReliableHandlers,
  ): Promise<ReliableTransport> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ host: bind.host, port: bind.port, exclusive: true }, () => {
        server.off('error', onError);
        // Errors after listening (EMFILE on accept, …) must not crash the node.
        server.on('error', (err) => handlers.fault('reliable-connect', String(err)));
        resolve(new ReliableTransport(server, bind.port, limits, handlers));
      });
    });
  }

  /** Queue one frame to `to`, opening the connection if needed. Never throws on I/O. */
  send(to: HostPort, payload: Uint8Array): void {
    if (this.#closed) return;
    const key = formatHostPort(to.host, to.port);
    let socket = this.#outbound.get(key);
    if (socket === undefined) {
      socket = this.#open(to, key);
    }
    const frame = encodeFrame(payload, this.#limits.frameBytesMax);
    if (socket.writableLength + frame.length > this.#limits.outboundBytesMax) {
      this.#handlers.fault(
        'reliable-backlog',
        `${key}: ${socket.writableLength} B queued, limit outboundBytesMax ${this.#limits.outboundBytesMax} B`,
      );
      return;
    }
    socket.write(frame);
  }

  #open(to: HostPort, key: string): Socket {
    const socket = connect({ host: to.host, port: to.port, noDelay: true });
    const preamble = new Uint8Array(PREAMBLE_BYTES);
    preamble.set(PREAMBLE_MAGIC, 0);
    new DataView(preamble.buffer).setUint16(PREAMBLE_MAGIC.length, this.#selfPort, false);
    socket.write(preamble);
    // Peers never write on a connection we opened; drain and ignore anything that arrives.
    socket.resume();
    socket.on('error', (err) => {
      this.#handlers.fault('reliable-connect', `${key}: ${err.message}`);
    });
    socket.on('close', () => {
      if (this.#outbound.get(key) === socket) this.#outbound.delete(key);
    });
    this.#outbound.set(key, socket);
    return socket;
  }

  #accept(socket: Socket): void {
    if (this.#closed || this.#inbound.size >= this.#limits.inboundConnectionsMax) {
      this.#handlers.fault(
        'reliable-inbound-full',
        `inbound connection refused: ${this.#inbound.size} open, limit inboundConnectionsMax ${this.#limits.inboundConnectionsMax}`,
      );
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    socket.on('close', () => this.#inbound.delete(socket));
    socket.on('error', () => {
      // A reset by the peer is routine; 'close' follows and cleans up.
    });
    socket.setTimeout(this.#limits.preambleTimeoutMs, () => {
      this.#handlers.remoteFault(
        new RemoteError(
          'HEARSAY_ERR_DECODE_TRUNCATED',
          `inbound stream sent no preamble within preambleTimeoutMs ${this.#limits.preambleTimeoutMs}`,
        ),
      );
      socket.destroy();
    });
    const remoteHost = socket.remoteAddress ?? '';
    let from: HostPort | undefined;
    let preamble = new Uint8Array(0);
    const decoder = new FrameDecoder(this.#limits.frameBytesMax);
    socket.on('data', (chunk: Buffer) => {
      try {
        let rest: Uint8Array = chunk;
        if (from === undefined) {
          const need = PREAMBLE_BYTES - preamble.length;
          const joined = new Uint8Array(preamble.length + Math.min(need, rest.length));
          joined.set(preamble, 0);
          joined.set(rest.subarray(0, need), preamble.length);
          preamble = joined;
          rest = rest.subarray(need);
          if (preamble.length < PREAMBLE_BYTES) return;
          from = parsePreamble(preamble, remoteHost);
          socket.setTimeout(0);
        }
        const sender = from;
        decoder.push(rest, (payload) => this.#handlers.frame(sender, payload));
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        this.#handlers.remoteFault(err);
        socket.destroy();
      }
    });
  }

  /** Stop accepting, let outbound frames flush (up to `closeGraceMs`), close everything. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const waits: Promise<void>[] = [];
    waits.push(new Promise((resolve) => this.#server.close(() => resolve())));
    for (const socket of this.#inbound) socket.destroy();
    for (const socket of this.#outbound.values()) {
      waits.push(
        new Promise((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          const grace = setTimeout(() => socket.destroy(), this.#limits.closeGraceMs);
          socket.once('close', () => clearTimeout(grace));
          socket.end();
        }),
      );
    }
    return Promise.all(waits).then(() => undefined);
  }
}

function parsePreamble(bytes: Uint8Array, remoteHost: string): HostPort {
  for (let i = 0; i < PREAMBLE_MAGIC.length; i++) {
    if (bytes[i] !== PREAMBLE_MAGIC[i]) {
      throw new RemoteError(
        'HEARSAY_ERR_DECODE_MALFORMED',
        'inbound stream does not start with the HSY1 preamble',
      );
    }
  }
  const port = new DataView(bytes.buffer, bytes.byteOffset).getUint16(PREAMBLE_MAGIC.length, false);
  if (port === 0) {
    throw new RemoteError('HEARSAY_ERR_DECODE_MALFORMED', 'inbound stream preamble claims port 0');
  }
  return { host: remoteHost, port };
}
