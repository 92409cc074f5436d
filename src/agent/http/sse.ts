/**
 * Server-sent events: the framing, one bounded client, and a bounded reader for clients.
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

/** One message as a reader sees it: the `event:` name (default `message`) and the `data:` text. */
export interface SseParsed {
  readonly event: string;
  readonly data: string;
}

/**
 * An incremental reader of the stream (for the CLI's `monitor` and `query`): feed it text as
 * it arrives, get whole messages back. Comments are skipped. `messageCharsMax` bounds the
 * text held for one unfinished message, so a peer that never ends one cannot grow it without
 * end; past it, `push` throws.
 */
export class SseParser {
  readonly #messageCharsMax: number;
  #partial = '';
  #event = 'message';
  #data: string[] = [];
  #dataChars = 0;

  constructor(messageCharsMax: number) {
    this.#messageCharsMax = messageCharsMax;
  }

  push(text: string): SseParsed[] {
    const out: SseParsed[] = [];
    // LF or CRLF line ends (a lone CR, which the format also allows, nobody sends).
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') {
        if (this.#data.length > 0) out.push({ event: this.#event, data: this.#data.join('\n') });
        this.#event = 'message';
        this.#data = [];
        this.#dataChars = 0;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.#event = value;
      else if (field === 'data') {
        this.#data.push(value);
        this.#dataChars += value.length;
      }
    }
    if (this.#partial.length + this.#dataChars > this.#messageCharsMax) {
      throw new Error(`an event-stream message is longer than ${this.#messageCharsMax} characters`);
    }
    return out;
  }
}
