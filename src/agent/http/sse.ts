/**
 * Server-sent events: the framing, and one bounded client.
 *
 * A message is `event: TYPE\ndata: JSON\n\n`. The data is `JSON.stringify` output, which
 * never contains a raw newline (newlines in strings are escaped), so one `data:` line always
 * holds the whole object. A comment line (`: …`) is ignored by clients: it opens the stream
 * (so the headers and a first byte go out at once) and is the heartbeat that keeps proxies
 * from closing an idle stream.
 *
 * A client that reads slower than events arrive would make the server buffer without end.
 * So each client's backlog is the socket's own write buffer, checked before every write:
 * when what is queued plus the new message would exceed `bytesMax`, the client is dropped
 * (its connection closed) instead — it can reconnect, and `EventSource` does so by itself.
 */

/** What a client needs from the response: node's `ServerResponse` has all of it. */
export interface SseSink {
  write(chunk: string): boolean;
  /** Bytes queued and not yet taken by the kernel. */
  readonly writableLength: number;
  destroy(): void;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx buffers responses by default, which would hold events back.
  'x-accel-buffering': 'no',
} as const;

export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

export class SseClient {
  readonly #sink: SseSink;
  readonly #bytesMax: number;
  readonly #onDrop: () => void;
  #open = true;

  /** `onDrop` runs once, when the client is dropped for being too slow. */
  constructor(sink: SseSink, bytesMax: number, onDrop: () => void) {
    this.#sink = sink;
    this.#bytesMax = bytesMax;
    this.#onDrop = onDrop;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Queue `chunk`; false when the client is (now) closed. */
  send(chunk: string): boolean {
    if (!this.#open) return false;
    if (this.#sink.writableLength + Buffer.byteLength(chunk) > this.#bytesMax) {
      this.close();
      this.#onDrop();
      return false;
    }
    this.#sink.write(chunk);
    return true;
  }

  /** Close the connection; idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#sink.destroy();
  }

  /** The peer went away: forget it without touching the sink again. */
  closed(): void {
    this.#open = false;
  }
}
