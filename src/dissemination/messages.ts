/**
 * Messages of the dissemination family (push, pull, push-pull, rumor mongering,
 * anti-entropy). Plain objects with a one-letter-ish discriminant `t`; the wire form is in
 * `codec.ts`, which validates everything that arrives from the network.
 *
 * The digest exchange (push-pull and anti-entropy) takes at most four messages and never
 * sends an item twice:
 *
 *   P → Q  syn   { ids: P's digest }
 *   Q → P  ack   { offer: ids Q has and P lacks, want: ids P has and Q lacks }
 *   P → Q  ack2  { items: the wanted items, want: the offered ids P still lacks }
 *   Q → P  items { items: those }
 *
 * Empty steps are skipped: an `ack` with nothing offered or wanted ends the exchange.
 */

/** A piece of information being spread. `hops` counts the transfers it took to get here. */
export interface Item {
  readonly id: string;
  readonly data: Uint8Array;
  readonly hops: number;
}

/** Rumor/push transfer. `feedback: true` asks the receiver to say which ids it already knew. */
export interface PushMsg {
  readonly t: 'push';
  readonly items: readonly Item[];
  readonly feedback: boolean;
}

/** Feedback for rumor mongering: the ids of the pushed items the receiver already knew. */
export interface FeedbackMsg {
  readonly t: 'feedback';
  readonly known: readonly string[];
}

/** Pull request: "here is what I have; send me what I lack". */
export interface PullMsg {
  readonly t: 'pull';
  readonly ids: readonly string[];
}

export interface SynMsg {
  readonly t: 'syn';
  readonly ids: readonly string[];
}

export interface AckMsg {
  readonly t: 'ack';
  readonly offer: readonly string[];
  readonly want: readonly string[];
}

export interface Ack2Msg {
  readonly t: 'ack2';
  readonly items: readonly Item[];
  readonly want: readonly string[];
}

/** Items answering a `pull` or the last step of the digest exchange. */
export interface ItemsMsg {
  readonly t: 'items';
  readonly items: readonly Item[];
}

export type DisseminationMsg =
  | PushMsg
  | FeedbackMsg
  | PullMsg
  | SynMsg
  | AckMsg
  | Ack2Msg
  | ItemsMsg;

export type DisseminationMsgType = DisseminationMsg['t'];

export const MESSAGE_TYPES: readonly DisseminationMsgType[] = [
  'push',
  'feedback',
  'pull',
  'syn',
  'ack',
  'ack2',
  'items',
];

/** Events emitted by dissemination protocols. */
export type DisseminationEvent =
  /** First time this node learns item `id` (SIR: susceptible → infected). */
  | {
      readonly type: 'deliver';
      readonly id: string;
      readonly hops: number;
      readonly data: Uint8Array;
    }
  /** A duplicate copy of a known item arrived (redundancy). */
  | { readonly type: 'duplicate'; readonly id: string }
  /** This node lost interest in rumor `id` (SIR: infected → removed). */
  | { readonly type: 'removed'; readonly id: string }
  /** A send was refused because the node's per-period message budget is spent. */
  | { readonly type: 'budget-exhausted' };
