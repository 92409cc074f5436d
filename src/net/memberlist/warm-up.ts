/**
 * Runs the stream codec once on a made-up push/pull before the host takes traffic.
 *
 * A push/pull is the costliest message a member handles (the whole member list, msgpack,
 * LZW-compressed, maybe sealed), and a fresh process runs that code unoptimized: in the
 * interpreter the first few push/pulls cost tens of times what they cost once V8 has
 * compiled them. A seed that a whole cluster joins at once answers a burst of them right
 * after it starts, and each joiner decodes its first answer cold too. Encoding and decoding
 * one list of `WARM_UP_MEMBERS` members here moves that first-call cost to start-up, where
 * nobody waits on it (a few milliseconds, once per process).
 *
 * The message never leaves the process; its addresses are a documentation range.
 */

import { memberlistLimits } from '../../membership/wire/limits.ts';
import type { PushNodeState, Stream } from '../../membership/wire/messages.ts';
import { type Security, streamFromWire, streamToWire } from './envelope.ts';

/** Members in the made-up list: about a 3 KiB push/pull, enough for V8 to optimize the loops. */
export const WARM_UP_MEMBERS = 48;
/** Round trips: the first runs in the interpreter, the later ones in compiled code. */
export const WARM_UP_ROUNDS = 3;

/** Returns how many members the last round trip decoded (all of them: a test checks). */
export function warmUpStreamCodec(security: Security): number {
  // memberlist's own limits, not the host's: a host may be configured with a stream limit
  // below this made-up message, which is ours and never needs guarding against.
  const limits = memberlistLimits();
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < WARM_UP_MEMBERS; i++) {
    nodes.push({
      name: `warm-up-${i}`,
      addr: Uint8Array.of(192, 0, 2, i + 1),
      port: 7946,
      // Serf-style tags in the meta: `role` and `dc`.
      meta: Uint8Array.of(0xff, ...Array.from('role\0web\0dc\0dc1', (c) => c.charCodeAt(0))),
      incarnation: i,
      state: 0,
      vsn: [1, 5, 5, 2, 5, 4],
    });
  }
  const msg: Stream = {
    type: 'compress',
    message: { type: 'pushPull', join: false, nodes, userState: new Uint8Array(256) },
  };
  let decoded = 0;
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    let back = streamFromWire(streamToWire(msg, security), security, limits);
    if (back.type === 'compress') back = back.message;
    decoded = back.type === 'pushPull' ? back.nodes.length : 0;
  }
  return decoded;
}
