/**
 * A tiny protocol for testing the host itself, independent of any real protocol.
 *
 * Messages: `ping n` (answered with a `pong n` datagram), `pong n`, and `boom`,
 * whose handler throws a plain Error to stand in for a protocol bug. Wire form: one type
 * byte (1 ping, 2 pong, 3 boom, 4 big), then a u32 big-endian `n` (absent for boom); `big`
 * carries `n` filler bytes after it, to exceed a packet limit. `decode` throws only
 * `RemoteError`, as the contract demands. Timer `tick` emits the context's time; the node
 * keeps the last context it saw in `leaked`, so a test can check that using it outside a
 * call is refused.
 */

import { RemoteError } from '../../src/core/errors.ts';
import type { Codec, Context, NodeId, Protocol, ProtocolSpec } from '../../src/core/protocol.ts';

export type ProbeMsg =
  | { readonly t: 'ping'; readonly n: number }
  | { readonly t: 'pong'; readonly n: number }
  | { readonly t: 'boom' }
  | { readonly t: 'big'; readonly n: number };

export type ProbeTimer = 'tick' | 'other';

export type ProbeEvent =
  | { readonly type: 'got'; readonly from: NodeId; readonly msg: ProbeMsg }
  | { readonly type: 'tick'; readonly nowMs: number };

type Ctx = Context<ProbeMsg, ProbeTimer, ProbeEvent>;

const CODES = { ping: 1, pong: 2, boom: 3, big: 4 } as const;

export const probeCodec: Codec<ProbeMsg> = {
  encode(msg) {
    if (msg.t === 'boom') return new Uint8Array([CODES.boom]);
    const extra = msg.t === 'big' ? msg.n : 0;
    const out = new Uint8Array(5 + extra);
    out[0] = CODES[msg.t];
    new DataView(out.buffer).setUint32(1, msg.n, false);
    return out;
  },
  decode(bytes) {
    if (bytes.length < 1) throw new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', 'empty probe');
    const code = bytes[0];
    if (code === CODES.boom) return { t: 'boom' };
    if (code !== CODES.ping && code !== CODES.pong && code !== CODES.big) {
      throw new RemoteError('HEARSAY_ERR_DECODE_UNKNOWN_TYPE', `probe type ${code}`);
    }
    if (bytes.length < 5) throw new RemoteError('HEARSAY_ERR_DECODE_TRUNCATED', 'short probe');
    const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(1, false);
    const t = code === CODES.ping ? 'ping' : code === CODES.pong ? 'pong' : 'big';
    return { t, n };
  },
  sizeOf(msg) {
    return this.encode(msg).length;
  },
  typeOf(msg) {
    return msg.t;
  },
};

export class ProbeNode implements Protocol<ProbeMsg, ProbeTimer, ProbeEvent> {
  leaked: Ctx | undefined;
  readonly tickMs: number;

  constructor(tickMs: number) {
    this.tickMs = tickMs;
  }

  start(ctx: Ctx): void {
    this.leaked = ctx;
    if (this.tickMs > 0) ctx.setTimer('tick', this.tickMs);
  }

  stop(ctx: Ctx): void {
    ctx.cancelTimer('tick');
  }

  handleMessage(ctx: Ctx, from: NodeId, msg: ProbeMsg): void {
    this.leaked = ctx;
    if (msg.t === 'boom') throw new Error('probe: simulated protocol bug');
    ctx.emit({ type: 'got', from, msg });
    if (msg.t === 'ping') ctx.send(from, { t: 'pong', n: msg.n });
  }

  handleTimer(ctx: Ctx, timer: ProbeTimer): void {
    ctx.emit({ type: 'tick', nowMs: ctx.now });
    if (timer === 'tick') ctx.setTimer('tick', this.tickMs);
  }

  /** Application command: send `msg` to `to` over the chosen channel. */
  say(ctx: Ctx, to: NodeId, msg: ProbeMsg, reliable = false): void {
    if (reliable) ctx.sendReliable(to, msg);
    else ctx.send(to, msg);
  }
}

export function probeSpec(tickMs = 0): ProtocolSpec<ProbeMsg, ProbeTimer, ProbeEvent, ProbeNode> {
  return {
    name: 'probe',
    timerKinds: ['tick', 'other'],
    codec: probeCodec,
    create: () => new ProbeNode(tickMs),
  };
}
