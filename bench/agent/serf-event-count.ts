/**
 * Counts the user events one Serf agent receives, through its RPC `stream` command.
 *
 * Serf's `stats` shows an agent's event Lamport clock (the newest event it saw), not how many
 * it got, and it has no counter hearsay's `stats.userEvents.received` could be set beside.
 * Its RPC `stream {Type: "user:NAME"}` hands every user event of that name the agent
 * delivers (after its own dedup, the same point hearsay counts at) to the client: a bare
 * header, then header + record pairs under the same Seq (shared/reference/serf-layer.md §10).
 * test/support/serf/rpc-client.ts does not do streams, so this is its own small connection.
 *
 * Cost: one msgpack record per event to this process, so the benchmark streams from a few
 * sampled agents only. If this process reads too slowly the agent drops records for the
 * stream (and logs so), so the count is a lower bound; we read far faster than 1,000/s.
 */

import { connect, type Socket } from 'node:net';
import { Packr, UnpackrStream } from 'msgpackr';

/** Bytes an incomplete record may hold (a user event is at most 512 bytes of payload). */
const RECORD_BYTES_MAX = 64 * 1024;
const CONNECT_DEADLINE_MS = 5_000;

const packr = new Packr({ useRecords: false });

export class SerfEventCounter {
  #count = 0;
  #error: string | undefined;
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Events received since `open` resolved (a lower bound, see the module comment). */
  get count(): number {
    return this.#count;
  }

  /** Why the stream ended early, if it did. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Handshake, then `stream user:NAME`; resolves once the agent accepted the stream. */
  static open(rpcAddr: string, eventName: string): Promise<SerfEventCounter> {
    const colon = rpcAddr.lastIndexOf(':');
    const socket = connect({
      host: rpcAddr.slice(0, colon),
      port: Number(rpcAddr.slice(colon + 1)),
    });
    const counter = new SerfEventCounter(socket);
    const decoder = new UnpackrStream({
      useRecords: false,
      mapsAsObjects: true,
      maxIncompleteBufferSize: RECORD_BYTES_MAX,
    });
    socket.pipe(decoder);
    return new Promise((resolve, reject) => {
      let accepted = false;
      const fail = (message: string): void => {
        counter.#error ??= message;
        socket.destroy();
        if (!accepted) reject(new Error(`serf stream ${rpcAddr}: ${message}`));
      };
      const timer = setTimeout(
        () => fail('no answer to handshake and stream'),
        CONNECT_DEADLINE_MS,
      );
      let headers = 0;
      decoder.on('data', (obj: { Error?: unknown; Seq?: unknown; Event?: unknown }) => {
        if (typeof obj !== 'object' || obj === null) return fail('unexpected record');
        if (obj.Event === 'user') {
          if (accepted) counter.#count++;
          return;
        }
        if (typeof obj.Error === 'string' && obj.Error !== '') return fail(obj.Error);
        // Header 1 answers the handshake, header 2 accepts the stream; later headers precede
        // each record.
        headers++;
        if (headers === 2 && !accepted) {
          accepted = true;
          clearTimeout(timer);
          resolve(counter);
        }
      });
      decoder.on('error', (err: Error) => fail(err.message));
      socket.on('error', (err) => fail(err.message));
      socket.on('close', () => fail('connection closed'));
      socket.on('connect', () => {
        socket.write(packr.pack({ Command: 'handshake', Seq: 1 }));
        socket.write(packr.pack({ Version: 1 }));
        socket.write(packr.pack({ Command: 'stream', Seq: 2 }));
        socket.write(packr.pack({ Type: `user:${eventName}` }));
      });
    });
  }

  close(): void {
    this.#error ??= 'closed';
    this.#socket.destroy();
  }
}
