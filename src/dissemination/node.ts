/**
 * One node of the dissemination family: push, pull, push-pull, rumor mongering (SIR) and
 * anti-entropy, as a sans-I/O protocol (see src/core/protocol.ts for the calling order).
 *
 * Theory of operation. Every node answers every message type, whatever protocol it runs,
 * so mixed clusters interoperate and the anti-entropy backstop can ride along any of them.
 * What differs between protocols is only what a node *starts* each period (`gossip` timer):
 *
 *   push          hot items → `fanout` random peers (`push`, no feedback)
 *   pull          own digest → `fanout` peers (`pull`); they answer with what we lack
 *   push-pull     digest exchange (`syn`/`ack`/`ack2`/`items`) with `fanout` peers
 *   anti-entropy  the same exchange, meant at a long period as a backstop
 *   rumor         hot rumors → `fanout` peers (`push`), with feedback if the variant uses
 *                 it; loss of interest per Demers' variants turns items cold (removed)
 *
 * The digest exchange sends no item twice within an exchange: ids go first, items only on
 * request. An item's `hops` grows by one per transfer; at `ttl` hops it is still delivered
 * but no longer pushed (it stays available to digests and pulls).
 *
 * Messages obey the codec's limits (`DisseminationLimits`): digests and item lists longer
 * than a packet allows are cut, and the rest travels in later periods. Every send draws on
 * the per-period message budget.
 */

import type { Context, NodeId, Protocol } from '../core/protocol.ts';
import { DEFAULT_DISSEMINATION_LIMITS, type DisseminationLimits } from './codec.ts';
import type { DisseminationConfig } from './config.ts';
import { DigestCache } from './digests.ts';
import { MessageBudget, resolveFanout } from './fanout.ts';
import { contactCounts, losesInterest, needsFeedback } from './loss-of-interest.ts';
import type {
  Ack2Msg,
  AckMsg,
  DisseminationEvent,
  DisseminationMsg,
  FeedbackMsg,
  Item,
  PullMsg,
  PushMsg,
  SynMsg,
} from './messages.ts';
import { type Entry, ItemStore } from './store.ts';

export type DisseminationTimer = 'gossip' | 'anti-entropy';
export const DISSEMINATION_TIMERS: readonly DisseminationTimer[] = ['gossip', 'anti-entropy'];

export type DisseminationContext = Context<
  DisseminationMsg,
  DisseminationTimer,
  DisseminationEvent
>;

/** Per-item bytes beyond id and data in the wire form (array header, bin header, hops). */
const ITEM_OVERHEAD_BYTES = 16;
/** Room kept for the envelope and array headers of a message. */
const MESSAGE_OVERHEAD_BYTES = 64;

/** The empty item list, shared by every message that carries no items. */
const NO_ITEMS: readonly Item[] = [];

/** Ids are ASCII in practice; 3 bytes per UTF-16 unit bounds any string. */
function itemBytesBound(item: Item): number {
  return item.id.length * 3 + item.data.length + ITEM_OVERHEAD_BYTES;
}

/**
 * The store of every node that knows nothing yet: read-only by construction (nodes swap
 * in their own store before the first add), so 100,000 fresh nodes cost 100,000 node
 * objects laid out back to back, with no store between them.
 */
const EMPTY_STORE = new ItemStore();

/** Scratch list for peer sampling; handlers never run concurrently, so one suffices. */
const peersScratch: NodeId[] = [];

/** What every node of a spec shares: one pointer per node instead of three. */
export interface DisseminationShared {
  readonly config: DisseminationConfig;
  readonly limits: DisseminationLimits;
  readonly digests: DigestCache;
}

export function disseminationShared(
  config: DisseminationConfig,
  limits: DisseminationLimits = DEFAULT_DISSEMINATION_LIMITS,
): DisseminationShared {
  return { config, limits, digests: new DigestCache() };
}

/**
 * Layout. At 100,000 nodes every delivery lands on a random node, and the node object is
 * the one cache miss a delivery cannot avoid (the host calls a method on it), so the
 * object holds only what every period touches — the current `syn`, the shared settings —
 * and everything else sits in the store, read only when something changes. An uneventful
 * `syn` (the sender's digest is the shared one this node also holds) is recognised by
 * identity on that first field. Each node then costs 56 bytes of hot memory instead of a
 * hundred or more (docs/dissemination.md, "Memory layout").
 */
export class DisseminationNode
  implements Protocol<DisseminationMsg, DisseminationTimer, DisseminationEvent>
{
  /**
   * The digest message for the current store, kept current by every add; the shared one
   * (digests.ts) while the store holds at most one item. Its `ids` are this node's digest.
   */
  #syn: SynMsg;
  readonly #shared: DisseminationShared;
  /** `EMPTY_STORE` until the first item: construction allocates only the node itself. */
  #store: ItemStore = EMPTY_STORE;
  /** Null when the budget is unlimited: nothing to count. */
  readonly #budget: MessageBudget | null;

  constructor(shared: DisseminationShared) {
    this.#shared = shared;
    this.#syn = shared.digests.empty.syn;
    const perPeriod = shared.config.messageBudgetPerPeriod;
    this.#budget = perPeriod === Number.POSITIVE_INFINITY ? null : new MessageBudget(perPeriod);
  }

  get config(): DisseminationConfig {
    return this.#shared.config;
  }

  get limits(): DisseminationLimits {
    return this.#shared.limits;
  }

  // --- application commands ---------------------------------------------------------

  /** Start spreading a new item from this node. Returns false if the id is already known. */
  publish(ctx: DisseminationContext, id: string, data: Uint8Array): boolean {
    const item: Item = { id, data, hops: 0 };
    const entry = this.#writableStore().add(item, this.config.ttl > 0, ctx.now);
    if (entry === null) return false;
    this.#stored();
    ctx.emit({ type: 'deliver', id, hops: 0, data });
    return true;
  }

  knows(id: string): boolean {
    return this.#store.has(id);
  }

  /** Number of items known. */
  get itemCount(): number {
    return this.#store.size;
  }

  /** Whether this node is still actively spreading anything (SIR: infective). */
  get infective(): boolean {
    return this.#store.anyHot();
  }

  // --- host inputs ------------------------------------------------------------------

  start(ctx: DisseminationContext): void {
    const c = this.config;
    const phase = c.jitterStart ? ctx.rng.float() * c.periodMs : c.periodMs;
    ctx.setTimer('gossip', phase);
    if (c.antiEntropyPeriodMs > 0 && c.protocol !== 'anti-entropy') {
      const aePhase = c.jitterStart
        ? ctx.rng.float() * c.antiEntropyPeriodMs
        : c.antiEntropyPeriodMs;
      ctx.setTimer('anti-entropy', aePhase);
    }
  }

  stop(ctx: DisseminationContext): void {
    ctx.cancelTimer('gossip');
    ctx.cancelTimer('anti-entropy');
  }

  handleTimer(ctx: DisseminationContext, timer: DisseminationTimer): void {
    if (timer === 'gossip') {
      this.#budget?.reset();
      this.#gossip(ctx);
      ctx.setTimer('gossip', this.config.periodMs);
    } else {
      const peer = ctx.randomPeer();
      if (peer >= 0) this.#send(ctx, peer, this.#syn);
      ctx.setTimer('anti-entropy', this.config.antiEntropyPeriodMs);
    }
  }

  handleMessage(ctx: DisseminationContext, from: NodeId, msg: DisseminationMsg): void {
    switch (msg.t) {
      case 'push':
        this.#onPush(ctx, from, msg);
        return;
      case 'feedback':
        this.#onFeedback(ctx, msg);
        return;
      case 'pull':
        this.#onPull(ctx, from, msg);
        return;
      case 'syn':
        this.#onSyn(ctx, from, msg);
        return;
      case 'ack':
        this.#onAck(ctx, from, msg);
        return;
      case 'ack2':
        this.#receive(ctx, msg.items, null);
        if (msg.want.length > 0) {
          const items = this.#forwardIds(msg.want);
          if (items.length > 0) this.#send(ctx, from, { t: 'items', items });
        }
        return;
      case 'items':
        this.#receive(ctx, msg.items, null);
        return;
    }
  }

  // --- periodic action --------------------------------------------------------------

  #gossip(ctx: DisseminationContext): void {
    const c = this.config;
    const protocol = c.protocol;
    let hot: Entry[] | null = null;
    if (protocol === 'push' || protocol === 'rumor') {
      hot = this.#hotEntries();
      if (hot.length === 0) return;
    }
    const fanout = resolveFanout(c.fanout, c.adaptiveFanoutC, ctx.peerCount + 1);
    const peers = ctx.randomPeers(fanout, peersScratch);
    if (peers.length === 0) return;
    switch (protocol) {
      case 'push':
      case 'rumor': {
        const feedback = protocol === 'rumor' && needsFeedback(c.variant);
        const items = this.#forward(hot!.map((e) => e.item));
        for (const peer of peers) {
          this.#send(ctx, peer, { t: 'push', items, feedback });
          // Blind variants count the contact itself, at the sender, whatever happened.
          if (protocol === 'rumor' && contactCounts(c.variant, false)) {
            for (const e of hot!) if (e.hot) this.#countContact(ctx, e);
          }
        }
        return;
      }
      case 'pull': {
        const ids = this.#syn.ids;
        for (const peer of peers) this.#send(ctx, peer, { t: 'pull', ids } satisfies PullMsg);
        return;
      }
      case 'push-pull':
      case 'anti-entropy': {
        const syn = this.#syn;
        for (const peer of peers) this.#send(ctx, peer, syn);
        return;
      }
    }
  }

  // --- message handlers ---------------------------------------------------------------

  #onPush(ctx: DisseminationContext, from: NodeId, msg: PushMsg): void {
    const known: string[] | null = msg.feedback ? [] : null;
    this.#receive(ctx, msg.items, known);
    if (known !== null && known.length > 0) {
      this.#send(ctx, from, { t: 'feedback', known } satisfies FeedbackMsg);
    }
  }

  #onFeedback(ctx: DisseminationContext, msg: FeedbackMsg): void {
    const c = this.config;
    // Feedback only means something to a feedback-variant rumor monger; anyone else
    // ignores it (a peer running another variant may still ask for it).
    if (c.protocol !== 'rumor' || !needsFeedback(c.variant)) return;
    for (const id of msg.known) {
      const e = this.#store.get(id);
      if (e?.hot) this.#countContact(ctx, e);
    }
  }

  #onPull(ctx: DisseminationContext, from: NodeId, msg: PullMsg): void {
    const missing = this.#store.notIn(msg.ids);
    if (missing.length === 0) return;
    const items = this.#forwardIds(missing);
    if (items.length > 0) this.#send(ctx, from, { t: 'items', items });
  }

  #onSyn(ctx: DisseminationContext, from: NodeId, msg: SynMsg): void {
    // Fastest path: the sender's syn is the very object this node would send, which
    // happens only for a shared one (digests.ts: at most one id, never cut), so both
    // sides know the same ids; decided without reading the message at all.
    if (msg === this.#syn) return;
    const store = this.#store;
    // Fast path, and the common one once an epidemic is over: both sides know the same
    // ids. Decided without allocating; digests carry distinct ids.
    const known = store.countKnown(msg.ids);
    if (known === msg.ids.length && known === store.size) return;
    const offer = this.#cap(store.notIn(msg.ids));
    const want = this.#cap(store.lacking(msg.ids));
    if (offer.length === 0 && want.length === 0) return;
    this.#send(ctx, from, { t: 'ack', offer, want } satisfies AckMsg);
  }

  #onAck(ctx: DisseminationContext, from: NodeId, msg: AckMsg): void {
    const items = this.#forwardIds(msg.want);
    const want = this.#store.lacking(msg.offer);
    if (items.length === 0 && want.length === 0) return;
    this.#send(ctx, from, { t: 'ack2', items, want } satisfies Ack2Msg);
  }

  // --- helpers ------------------------------------------------------------------------

  /**
   * Store received items; emit deliver for new ones and duplicate for known ones. If
   * `known` is given, collect the ids that were already known (for feedback).
   */
  #receive(ctx: DisseminationContext, items: readonly Item[], known: string[] | null): void {
    const ttl = this.config.ttl;
    if (items.length === 0) return;
    const store = this.#writableStore();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const entry = store.add(item, item.hops < ttl, ctx.now);
      if (entry !== null) {
        this.#stored();
        ctx.emit({ type: 'deliver', id: item.id, hops: item.hops, data: item.data });
      } else {
        ctx.emit({ type: 'duplicate', id: item.id });
        // Copies arriving at the same instant are concurrent: none of their senders
        // could have been the reason this node knew. In synchronous rounds this makes
        // feedback reflect the state at the start of the round, as in Demers' model.
        if (known !== null && store.get(item.id)!.learnedAtMs < ctx.now) known.push(item.id);
      }
    }
  }

  #countContact(ctx: DisseminationContext, e: Entry): void {
    const c = this.config;
    e.counter++;
    const coin = c.variant === 'feedback-coin' || c.variant === 'blind-coin' ? ctx.rng.float() : 1;
    if (losesInterest(c.variant, c.k, e.counter, coin)) {
      e.hot = false;
      ctx.emit({ type: 'removed', id: e.item.id });
    }
  }

  #hotEntries(): Entry[] {
    const out: Entry[] = [];
    for (const e of this.#store.entries()) if (e.hot) out.push(e);
    return out;
  }

  #writableStore(): ItemStore {
    if (this.#store === EMPTY_STORE) this.#store = new ItemStore(this.#shared.digests);
    return this.#store;
  }

  /**
   * After an add: the new digest and its `syn` — the shared one for a digest the cache
   * shares, else a fresh one (messages are immutable, so a sent `syn` is never edited).
   */
  #stored(): void {
    const ids = this.#cap(this.#store.ids());
    const digests = this.#shared.digests;
    const shared = ids.length === 1 ? digests.oneId(ids[0]!) : null;
    this.#syn = shared !== null && shared.ids === ids ? shared.syn : { t: 'syn', ids };
  }

  /** Cut an id list to what one message may carry. */
  #cap(ids: readonly string[]): readonly string[] {
    const max = this.limits.idsMax;
    return ids.length > max ? ids.slice(0, max) : ids;
  }

  /** Copies with hops + 1, cut to the item count and packet size limits. */
  #forward(items: readonly Item[]): readonly Item[] {
    let out: Item[] | null = null;
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      bytes = this.#fits(out, item, bytes);
      if (bytes < 0) break;
      const copy: Item = { id: item.id, data: item.data, hops: item.hops + 1 };
      if (out === null) out = [copy];
      else out.push(copy);
    }
    return out ?? NO_ITEMS;
  }

  /** `#forward` of the items among `ids` this node has, without an intermediate list. */
  #forwardIds(ids: readonly string[]): readonly Item[] {
    let out: Item[] | null = null;
    let bytes = 0;
    for (let i = 0; i < ids.length; i++) {
      const e = this.#store.get(ids[i]!);
      if (e === undefined) continue;
      const item = e.item;
      bytes = this.#fits(out, item, bytes);
      if (bytes < 0) break;
      const copy: Item = { id: item.id, data: item.data, hops: item.hops + 1 };
      if (out === null) out = [copy];
      else out.push(copy);
    }
    return out ?? NO_ITEMS;
  }

  /**
   * Bytes taken once `item` joins the `out` built so far (which holds `bytes`), or -1 if
   * it must wait for a later message. The first item always fits (limits guarantee it).
   */
  #fits(out: readonly Item[] | null, item: Item, bytes: number): number {
    if (out === null) return bytes + itemBytesBound(item);
    if (out.length === this.limits.itemsMax) return -1;
    const total = bytes + itemBytesBound(item);
    return total > this.limits.packetBytesMax - MESSAGE_OVERHEAD_BYTES ? -1 : total;
  }

  #send(ctx: DisseminationContext, to: NodeId, msg: DisseminationMsg): void {
    const budget = this.#budget;
    if (budget === null) {
      ctx.send(to, msg);
      return;
    }
    const verdict = budget.take();
    if (verdict === 'ok') ctx.send(to, msg);
    else if (verdict === 'refused-first') ctx.emit({ type: 'budget-exhausted' });
  }
}
