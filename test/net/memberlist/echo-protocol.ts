/**
 * A tiny memberlist-speaking protocol for host tests, so the host can be tested without the
 * SWIM state machine: it answers a ping with an ack (by `ctx.reply`, so by UDP or on the
 * same stream), a push/pull with its own push/pull (echoing `join`), records everything it
 * receives, and sends what the test asks through `invoke`. One timer kind ('tick') counts
 * firings.
 */

import type { Context, NodeId, Protocol, ProtocolEvent } from '../../../src/core/protocol.ts';
import type { SwimMessage } from '../../../src/membership/types.ts';
import type { Ack, Ping, PushPull } from '../../../src/membership/wire/messages.ts';

export type EchoTimer = 'tick';

/** First user-state byte of an answering push/pull (an answer is not answered again). */
export const ANSWER_MARK = 9;

export interface EchoEvent extends ProtocolEvent {
  readonly type: 'received' | 'tick';
  readonly from?: NodeId;
  readonly msg?: SwimMessage;
}

type Ctx = Context<SwimMessage, EchoTimer, EchoEvent>;

export interface Received {
  readonly from: NodeId;
  readonly msg: SwimMessage;
}

export function ping(seqNo: number, node = 'echo'): Ping {
  return {
    type: 'ping',
    seqNo,
    node,
    sourceAddr: new Uint8Array(0),
    sourcePort: 0,
    sourceNode: '',
  };
}

export function pushPull(join: boolean, userState = new Uint8Array([1, 2, 3])): PushPull {
  return { type: 'pushPull', join, nodes: [], userState };
}

export class EchoProtocol implements Protocol<SwimMessage, EchoTimer, EchoEvent> {
  readonly received: Received[] = [];
  ticks = 0;
  /** Answer requests (turn off to test exchanges without an answer). */
  answer = true;
  /** Reply twice to a stream request (the host must refuse the second). */
  replyTwice = false;

  start(_ctx: Ctx): void {}

  stop(_ctx: Ctx): void {}

  handleMessage(ctx: Ctx, from: NodeId, msg: SwimMessage): void {
    this.received.push({ from, msg });
    ctx.emit({ type: 'received', from, msg });
    if (!this.answer) return;
    const inner = msg.type === 'compress' || msg.type === 'hasCrc' ? msg.message : msg;
    if (inner.type === 'ping') {
      const ack: Ack = { type: 'ack', seqNo: inner.seqNo, payload: null };
      ctx.reply(ack);
      if (this.replyTwice) ctx.reply(ack);
    } else if (inner.type === 'pushPull' && inner.userState[0] !== ANSWER_MARK) {
      ctx.reply(pushPull(inner.join, new Uint8Array([ANSWER_MARK])));
    }
  }

  handleTimer(ctx: Ctx, _timer: EchoTimer): void {
    this.ticks++;
    ctx.emit({ type: 'tick' });
  }
}
