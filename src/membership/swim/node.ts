/**
 * SwimNode: SWIM with Lifeguard, as HashiCorp memberlist 0.2.2 runs it, as a sans-I/O
 * state machine (src/core/protocol.ts gives the calling order).
 *
 * (Step 1 surface: bodies being filled in.)
 */

import type { Context, NodeId, Protocol } from '../../core/protocol.ts';
import type {
  AddressMap,
  Member,
  MemberAddress,
  MembershipDelegate,
  SwimMessage,
} from '../types.ts';
import type { SwimConfig } from './config.ts';
import type { SwimEvent } from './events.ts';

/**
 * The node's timer kinds. The periodic ticks each have a kind; every one-off deadline
 * (probe timeouts, suspicion timers, helper nacks, TCP exchange deadlines, join retries,
 * the leave timeout) lives in the node's own deadline heap behind the single `deadline`.
 */
export type SwimTimer = 'probe' | 'gossip' | 'push-pull' | 'deadline';
export const SWIM_TIMERS: readonly SwimTimer[] = ['probe', 'gossip', 'push-pull', 'deadline'];

export type SwimContext = Context<SwimMessage, SwimTimer, SwimEvent>;

export interface SwimDeps {
  readonly addresses: AddressMap;
  readonly delegate?: MembershipDelegate<SwimContext>;
}

export class SwimNode implements Protocol<SwimMessage, SwimTimer, SwimEvent> {
  readonly config: SwimConfig;
  readonly #addresses: AddressMap;
  readonly #delegate: MembershipDelegate<SwimContext> | undefined;

  constructor(config: SwimConfig, deps: SwimDeps) {
    this.config = config;
    this.#addresses = deps.addresses;
    this.#delegate = deps.delegate;
  }

  start(_ctx: SwimContext): void {}
  stop(_ctx: SwimContext): void {}
  handleMessage(_ctx: SwimContext, _from: NodeId, _msg: SwimMessage): void {}
  handleTimer(_ctx: SwimContext, _timer: SwimTimer): void {}

  join(_ctx: SwimContext, _seeds: readonly MemberAddress[]): void {}
  leave(_ctx: SwimContext): void {}
  updateMeta(_ctx: SwimContext): void {}
  sendUser(_ctx: SwimContext, _toName: string, _payload: Uint8Array, _reliable: boolean): boolean {
    return false;
  }

  members(): Member[] {
    return [];
  }
  member(_name: string): Member | undefined {
    return undefined;
  }
  localMember(): Member | undefined {
    return undefined;
  }
  numMembers(): number {
    return 0;
  }
  healthScore(): number {
    return 0;
  }
  get addresses(): AddressMap {
    return this.#addresses;
  }
  get delegate(): MembershipDelegate<SwimContext> | undefined {
    return this.#delegate;
  }
}
