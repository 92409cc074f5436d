/**
 * Runs the codecs once on made-up messages before the host takes traffic: a push/pull over
 * the stream path, and a gossip packet (a compressed compound of alive messages) over the
 * datagram path.
 *
 * A push/pull is the costliest message a member handles (the whole member list, msgpack,
 * LZW-compressed, maybe sealed), and a fresh process runs that code unoptimized: in the
 * interpreter the first few push/pulls cost tens of times what they cost once V8 has
 * compiled them. A seed that a whole cluster joins at once answers a burst of them right
 * after it starts, and each joiner decodes its first answer cold too; then every member
 * gossips the newcomers' alive messages, compound and compressed, many copies of each.
 * Encoding and decoding a list of `WARM_UP_MEMBERS` members here, and a packet of
 * `WARM_UP_PACKET_PARTS` alive messages, `WARM_UP_ROUNDS` times, moves that cost to
 * start-up, where nobody waits on it (tens of milliseconds, once per process).
 *
 * The message never leaves the process; its addresses are a documentation range.
 */

import { compoundOf, finishPacket } from '../../membership/swim/packets.ts';
import { memberlistLimits } from '../../membership/wire/limits.ts';
import type { Alive, PushNodeState, Stream } from '../../membership/wire/messages.ts';
import {
  packetFromWire,
  packetToWire,
  type Security,
  streamFromWire,
  streamToWire,
} from './envelope.ts';

/** Members in the made-up list: about a 3 KiB push/pull, enough for V8 to optimize the loops. */
export const WARM_UP_MEMBERS = 48;
/** Alive messages in the made-up gossip packet: about what one 1,400-byte packet holds. */
export const WARM_UP_PACKET_PARTS = 12;
/**
 * Round trips. Enough that the per-member codec functions run 48 × 16 = 768 times, past the
 * 400 calls after which V8 (13.6, Node 24) compiles a function with Maglev: warmed below
 * that, they are still interpreted when the first burst comes. 3 rounds left them there;
 * 16 cut the CPU 63 agents spend joining a 64th at once from 8.6–9.1 s to 5.5–6.7 s, on 2
 * cores, in a harness that polls every agent (the Serf comparison's joins showed no change
 * beyond its noise), for about 35 ms more at start-up.
 */
export const WARM_UP_ROUNDS = 16;

/** What the last round trip decoded (everything it encoded: a test checks). */
export interface WarmUpResult {
  readonly streamMembers: number;
  readonly packetParts: number;
}

/** The paths already warmed in this process: V8's compiled code serves every host in it. */
const warmedPaths = new Set<'plain' | 'sealed'>();

/**
 * `warmUpStreamCodec` the first time a host of this process takes each path (plaintext or
 * sealed), and nothing after: the agent starts throwaway hosts to rehearse a join before its
 * own, and each would otherwise repeat the same round trips on code already compiled.
 */
export function warmUpStreamCodecOnce(security: Security): void {
  const path = security.keyring === undefined ? 'plain' : 'sealed';
  if (warmedPaths.has(path)) return;
  warmUpStreamCodec(security);
  warmedPaths.add(path);
}

export function warmUpStreamCodec(security: Security): WarmUpResult {
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
  const alives: Alive[] = nodes.slice(0, WARM_UP_PACKET_PARTS).map((n) => ({
    type: 'alive',
    incarnation: n.incarnation,
    node: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    vsn: n.vsn,
  }));
  let streamMembers = 0;
  let packetParts = 0;
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    let back = streamFromWire(streamToWire(msg, security), security, limits);
    if (back.type === 'compress') back = back.message;
    streamMembers = back.type === 'pushPull' ? back.nodes.length : 0;
    // As gossip leaves a member: compound, compressed, with the CRC a protocol-5 peer gets.
    // Built afresh each round: a finished packet keeps its bytes, and re-sending it would
    // warm nothing of the encoder.
    const packet = finishPacket(compoundOf(alives), true, true);
    let p = packetFromWire(packetToWire(packet, security), security, limits);
    if (p.type === 'hasCrc') p = p.message;
    if (p.type === 'compress') p = p.message;
    packetParts = p.type === 'compound' ? p.parts.length : 0;
  }
  return { streamMembers, packetParts };
}
