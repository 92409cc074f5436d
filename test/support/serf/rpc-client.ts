/**
 * A minimal client for the Serf agent's RPC protocol (shared/reference/serf-layer.md §10).
 *
 * Why it exists beside the `serf` CLI: the benchmarks poll the member list of every agent
 * many times a second, and spawning a `serf members` process per poll would load the two
 * shared cores with process start-up and skew the very timings being measured. One TCP
 * connection per agent, kept open, costs a request and a reply.
 *
 * What lives here: handshake, `members`, `event`, `leave` and `stats` — the non-streaming
 * commands the harness needs. Not here: streams, queries, auth (the harness never sets an
 * RPC auth key).
 *
 * Framing: msgpack objects back to back, no length prefix. A request is a header
 * `{Command, Seq}` and, for some commands, a body; a response is a header `{Error, Seq}` and,
 * for some commands, a body. Without streams the agent answers one connection's requests in
 * order, so responses are matched to a FIFO of pending requests, checking the Seq. Each
 * request has a deadline; a deadline passing or a protocol surprise closes the connection and
 * fails every pending request (the caller reconnects). Pending requests are bounded.
 */

import { connect, type Socket } from 'node:net';
import { Packr, UnpackrStream } from 'msgpackr';

/** Requests in flight on one connection. */
const PENDING_MAX = 64;
/** Bytes a single response may hold while incomplete (64 agents' member list is ~10 KiB). */
const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;
const REQUEST_DEADLINE_MS_DEFAULT = 5_000;

export interface RpcMember {
  readonly name: string;
  /** IPv4 or IPv6 text form. */
  readonly addr: string;
  readonly port: number;
  readonly tags: Record<string, string>;
  /** "alive", "leaving", "left", "failed" or "none". */
  readonly status: string;
}

interface Pending {
  readonly seq: number;
  readonly command: string;
  readonly hasBody: boolean;
  header?: { Error: string; Seq: number };
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const packr = new Packr({ useRecords: false });

function addrText(raw: unknown): string {
  if (!(raw instanceof Uint8Array)) return String(raw);
  if (raw.length === 4) return Array.from(raw).join('.');
  if (raw.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((raw[i]! << 8) | raw[i + 1]!).toString(16));
    return groups.join(':');
  }
  return Buffer.from(raw).toString('hex');
}

export class SerfRpcClient {
  readonly rpcAddr: string;
  readonly #socket: Socket;
  readonly #pending: Pending[] = [];
  readonly #deadlineMs: number;
  #seq = 0;
  #closedError: Error | undefined;

  private constructor(rpcAddr: string, socket: Socket, deadlineMs: number) {
    this.rpcAddr = rpcAddr;
    this.#socket = socket;
    this.#deadlineMs = deadlineMs;
    const decoder = new UnpackrStream({
      useRecords: false,
      mapsAsObjects: true,
      maxIncompleteBufferSize: RESPONSE_BYTES_MAX,
    });
    socket.pipe(decoder);
    decoder.on('data', (obj: unknown) => this.#onObject(obj));
    decoder.on('error', (err: Error) => this.#fail(err));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error(`serf rpc ${rpcAddr}: connection closed`)));
  }

  /** Connect and handshake; rejects if either fails within the deadline. */
  static async connect(
    rpcAddr: string,
    deadlineMs = REQUEST_DEADLINE_MS_DEFAULT,
  ): Promise<SerfRpcClient> {
    const colon = rpcAddr.lastIndexOf(':');
    const host = rpcAddr.slice(0, colon);
    const port = Number(rpcAddr.slice(colon + 1));
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.setNoDelay(true);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`serf rpc ${rpcAddr}: connect deadline of ${deadlineMs} ms passed`));
      }, deadlineMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeListener('error', onError);
        resolve(s);
      });
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new Error(`serf rpc ${rpcAddr}: ${err.message}`));
      };
      s.once('error', onError);
    });
    const client = new SerfRpcClient(rpcAddr, socket, deadlineMs);
    try {
      await client.#request('handshake', { Version: 1 }, false);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  async members(): Promise<RpcMember[]> {
    const body = (await this.#request('members', undefined, true)) as {
      Members: {
        Name: string;
        Addr: unknown;
        Port: number;
        Tags: Record<string, string> | null;
        Status: string;
      }[];
    };
    return (body.Members ?? []).map((m) => ({
      name: m.Name,
      addr: addrText(m.Addr),
      port: m.Port,
      tags: m.Tags ?? {},
      status: m.Status,
    }));
  }

  async event(name: string, payload: Uint8Array | string, coalesce = false): Promise<void> {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    await this.#request('event', { Coalesce: coalesce, Name: name, Payload: bytes }, false);
  }

  /**
   * Joins the agent to `addrs` (`HOST:PORT` each); resolves with how many it reached. Serf
   * answers `join` with a body even when it failed, so the error comes after the body.
   */
  async join(addrs: readonly string[], replay = false): Promise<number> {
    const body = (await this.#request('join', { Existing: addrs, Replay: replay }, true)) as {
      Num?: unknown;
    };
    return typeof body?.Num === 'number' ? body.Num : 0;
  }

  /** Graceful leave; the agent shuts down afterwards and closes this connection. */
  async leave(): Promise<void> {
    await this.#request('leave', undefined, false);
  }

  async stats(): Promise<Record<string, Record<string, string>>> {
    return (await this.#request('stats', undefined, true)) as Record<
      string,
      Record<string, string>
    >;
  }

  close(): void {
    this.#fail(new Error(`serf rpc ${this.rpcAddr}: closed by the client`));
  }

  #request(command: string, body: object | undefined, hasBody: boolean): Promise<unknown> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    if (this.#pending.length >= PENDING_MAX) {
      return Promise.reject(
        new Error(`serf rpc ${this.rpcAddr}: more than ${PENDING_MAX} requests in flight`),
      );
    }
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.#fail(
            new Error(
              `serf rpc ${this.rpcAddr}: ${command} got no answer within ${this.#deadlineMs} ms`,
            ),
          ),
        this.#deadlineMs,
      );
      this.#pending.push({ seq, command, hasBody, resolve, reject, timer });
      const header = packr.pack({ Command: command, Seq: seq });
      this.#socket.write(body === undefined ? header : Buffer.concat([header, packr.pack(body)]));
    });
  }

  #onObject(obj: unknown): void {
    const p = this.#pending[0];
    if (p === undefined) {
      this.#fail(new Error(`serf rpc ${this.rpcAddr}: unsolicited object from the agent`));
      return;
    }
    if (p.header === undefined) {
      const h = obj as { Error?: unknown; Seq?: unknown };
      if (typeof h !== 'object' || h === null || h.Seq !== p.seq || typeof h.Error !== 'string') {
        this.#fail(
          new Error(
            `serf rpc ${this.rpcAddr}: expected the header for ${p.command} seq ${p.seq}, got ${JSON.stringify(obj)}`,
          ),
        );
        return;
      }
      p.header = { Error: h.Error, Seq: h.Seq };
      // An error answer to a command with a body carries no body, except `join`'s.
      if (p.hasBody && (h.Error === '' || p.command === 'join')) return;
      this.#settle(p, undefined);
      return;
    }
    this.#settle(p, obj);
  }

  #settle(p: Pending, body: unknown): void {
    this.#pending.shift();
    clearTimeout(p.timer);
    if (p.header!.Error !== '') {
      p.reject(new Error(`serf rpc ${this.rpcAddr}: ${p.command}: ${p.header!.Error}`));
    } else {
      p.resolve(body);
    }
  }

  #fail(err: Error): void {
    if (this.#closedError === undefined) this.#closedError = err;
    this.#socket.destroy();
    for (const p of this.#pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
