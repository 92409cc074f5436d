/**
 * Lifeguard on and off for experiments: which of memberlist's knobs turn each of its three
 * parts off, and a node subclass for the one part no knob reaches.
 *
 * Lifeguard (Dadgar, Phillips, Currey, arXiv 1707.00788) is three extensions to SWIM, and
 * memberlist runs all three by default. Plain SWIM — the paper's baseline, "memberlist
 * without the extensions" — is configuration, except for the last:
 *
 *  - LHA-Probe (local health scales the probe interval, fed by nacks): `awarenessMaxMultiplier
 *    = 1` pins the score at 0; `protocolVersionMax = 3` makes every member advertise a
 *    protocol below 4, so nobody asks helpers for nacks (memberlist §7.1). The TCP fallback
 *    ping (protocol ≥ 3) predates Lifeguard and stays.
 *  - LHA-Suspicion (timeout starts at max and shrinks with independent confirmations):
 *    `suspicionMaxTimeoutMult = 1` makes max = min, i.e. SWIM's fixed timeout of
 *    `suspicionMult × log10(n) × probeInterval`. Confirmations are still re-gossiped (a few
 *    more messages) but change no deadline.
 *  - Buddy system (a probe of a member held suspect carries the suspect message, so the
 *    member learns of it and refutes at once): `SwimNode` has no switch for it and its files
 *    belong to another engineer, so `NoBuddySwimNode` strips the suspect from that probe on
 *    its way out, leaving the bare ping. Pre-Lifeguard memberlist sent that ping with
 *    piggybacked gossip instead; the gossip stays queued for the node's next packet, which
 *    leaves at most 200 ms later.
 */

import type { NodeId } from '../../core/protocol.ts';
import type { Rng } from '../../core/rng.ts';
import type { SwimConfig } from '../../membership/swim/config.ts';
import type { SwimEvent } from '../../membership/swim/events.ts';
import {
  type InitialMember,
  type SwimContext,
  SwimNode,
  type SwimTimer,
} from '../../membership/swim/node.ts';
import { finishPacket } from '../../membership/swim/packets.ts';
import {
  type SwimSpec,
  simAddressMap,
  simAddressOf,
  simNodeName,
  swimSpec,
} from '../../membership/swim/spec.ts';
import type { MemberAddress, SwimMessage } from '../../membership/types.ts';
import type { PacketMessage } from '../../membership/wire/messages.ts';

/** Config overrides that switch LHA-Probe and LHA-Suspicion off (see the header). */
export const LIFEGUARD_OFF: Partial<SwimConfig> = Object.freeze({
  awarenessMaxMultiplier: 1,
  suspicionMaxTimeoutMult: 1,
  protocolVersionMax: 3,
});

/**
 * The probe of a suspect member without its suspect message, or `msg` unchanged. The probe
 * is a compound of exactly [ping(T), suspect(T)], possibly compressed or CRC-wrapped
 * (node.ts `#runProbe`); it is rebuilt around the bare ping the same way.
 */
export function withoutBuddy(msg: SwimMessage, compress: boolean): SwimMessage {
  let m = msg;
  let crc = false;
  if (m.type === 'hasCrc') {
    crc = true;
    m = m.message;
  }
  if (m.type === 'compress') m = m.message as PacketMessage;
  if (m.type !== 'compound' || m.parts.length !== 2) return msg;
  const [ping, suspect] = m.parts;
  if (ping?.type !== 'ping' || suspect?.type !== 'suspect' || suspect.node !== ping.node) {
    return msg;
  }
  return finishPacket(ping, compress, crc);
}

/** The host's context with the buddy system's suspect removed from outgoing probes. */
class NoBuddyContext implements SwimContext {
  base: SwimContext;
  readonly #compress: boolean;

  constructor(base: SwimContext, compress: boolean) {
    this.base = base;
    this.#compress = compress;
  }
  get self(): NodeId {
    return this.base.self;
  }
  get now(): number {
    return this.base.now;
  }
  get rng(): Rng {
    return this.base.rng;
  }
  get peerCount(): number {
    return this.base.peerCount;
  }
  randomPeer(): NodeId {
    return this.base.randomPeer();
  }
  randomPeers(k: number, out: NodeId[]): NodeId[] {
    return this.base.randomPeers(k, out);
  }
  send(to: NodeId, msg: SwimMessage): void {
    this.base.send(to, withoutBuddy(msg, this.#compress));
  }
  sendReliable(to: NodeId, msg: SwimMessage): void {
    this.base.sendReliable(to, msg);
  }
  reply(msg: SwimMessage): void {
    this.base.reply(msg);
  }
  setTimer(kind: SwimTimer, delayMs: number): void {
    this.base.setTimer(kind, delayMs);
  }
  cancelTimer(kind: SwimTimer): void {
    this.base.cancelTimer(kind);
  }
  emit(event: SwimEvent): void {
    this.base.emit(event);
  }
}

/** A `SwimNode` whose probes of suspect members do not carry the suspicion (no buddy system). */
export class NoBuddySwimNode extends SwimNode {
  #relay: NoBuddyContext | null = null;

  #wrap(ctx: SwimContext): SwimContext {
    const relay = this.#relay;
    if (relay === null) {
      this.#relay = new NoBuddyContext(ctx, this.config.enableCompression);
      return this.#relay;
    }
    relay.base = ctx;
    return relay;
  }

  override start(ctx: SwimContext): void {
    super.start(this.#wrap(ctx));
  }
  override stop(ctx: SwimContext): void {
    super.stop(this.#wrap(ctx));
  }
  override handleMessage(ctx: SwimContext, from: NodeId, msg: SwimMessage): void {
    super.handleMessage(this.#wrap(ctx), from, msg);
  }
  override handleTimer(ctx: SwimContext, timer: SwimTimer): void {
    super.handleTimer(this.#wrap(ctx), timer);
  }
  override join(ctx: SwimContext, seeds: readonly MemberAddress[]): void {
    super.join(this.#wrap(ctx), seeds);
  }
  override leave(ctx: SwimContext): void {
    super.leave(this.#wrap(ctx));
  }
  override updateMeta(ctx: SwimContext): void {
    super.updateMeta(this.#wrap(ctx));
  }
  override sendUser(ctx: SwimContext, to: string, payload: Uint8Array, reliable: boolean): boolean {
    return super.sendUser(this.#wrap(ctx), to, payload, reliable);
  }
}

/**
 * The simulator's SWIM spec for `nodes` nodes, with the buddy system switched off when
 * `buddy` is false (`configFor` supplies the rest of Lifeguard's switches), optionally
 * starting converged (every node knows every node alive: `SwimSpecOptions.startConverged`).
 */
export function simSwimSpecWith(
  configFor: (id: NodeId) => SwimConfig,
  nodes: number,
  buddy: boolean,
  startConverged: boolean,
): SwimSpec {
  const spec = swimSpec(configFor, { nodes, startConverged });
  if (buddy) return spec;
  const addresses = simAddressMap(nodes);
  let everyone: InitialMember[] | null = null;
  const initialMembers = (): readonly InitialMember[] => {
    if (everyone === null) {
      everyone = [];
      for (let j = 0; j < nodes; j++) everyone.push({ name: simNodeName(j), ...simAddressOf(j) });
    }
    return everyone;
  };
  return {
    ...spec,
    name: `${spec.name}-no-buddy`,
    create: (id) =>
      new NoBuddySwimNode(configFor(id), {
        addresses,
        initialMembers: startConverged ? initialMembers : undefined,
      }),
  };
}
