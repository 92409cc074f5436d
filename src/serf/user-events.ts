/**
 * Serf's user events (serf-layer.md §6.1): named payloads gossiped to every member, stamped
 * with the event Lamport clock, delivered once per node.
 *
 * Receive path, in Serf's order (`handleUserEvent`):
 *   1. witness the event's LTime on the event clock;
 *   2. drop it if older than `minTime` (set at join when old events are not replayed);
 *   3. drop it if the clock is more than `slots` ahead of it ("old event": its ring slot may
 *      have been reused, so a duplicate could no longer be recognised);
 *   4. look in ring slot `LTime mod slots`: if the slot holds this LTime and an event with
 *      the same name and payload, it is a duplicate — not delivered, not re-gossiped;
 *   5. otherwise record it in the slot, deliver it, re-gossip it.
 *
 * The ring is also what push/pull carries (`Events`), so a node that missed a gossip wave
 * catches up at the next anti-entropy exchange. Serf sends all 512 slots, nil for empty
 * ones; we send only the slots in use (a Serf peer decodes any length and reads the LTime
 * in each slot, not its position).
 *
 * Sending: name + payload at most `sizeLimitBytes` before encoding and the encoded message
 * at most that too (Serf's two checks), never above Serf's hard ceiling of 9 KiB; the event
 * is stamped with the clock's current time, the clock is incremented, and the event goes
 * through the receive path locally (so we deliver our own event, as Serf does) before it
 * is queued for gossip.
 *
 * Limits: `slots` ring entries (Serf's `EventBuffer`, 512) of at most `eventsPerSlotMax`
 * events each (Serf: unbounded); an event that would overflow a slot is dropped and counted.
 * Coalescing (merging bursts per name) is the agent's business and is not done here.
 */

import { assert, ConfigError } from '../core/errors.ts';
import { encodeSerfMessage } from '../membership/wire/serf/codec.ts';
import type { SerfEventSlot, SerfUserEvent } from '../membership/wire/serf/messages.ts';
import type { LamportClock } from './lamport.ts';

/** Serf's `UserEventSizeLimit`: the hard ceiling on a user event, whatever the config says. */
export const USER_EVENT_BYTES_CEILING = 9 * 1024;

/** Verdict of the receive path. */
export type UserEventVerdict = 'new' | 'too-old' | 'before-min-time' | 'duplicate' | 'slot-full';

interface Slot {
  readonly ltime: bigint;
  readonly events: { readonly name: string; readonly payload: Uint8Array | null }[];
}

export class UserEventLog {
  readonly slots: number;
  readonly eventsPerSlotMax: number;
  /** Events older than this are not delivered (no replay of history at join). */
  minTime = 0n;
  readonly #clock: LamportClock;
  readonly #ring: (Slot | null)[];

  constructor(clock: LamportClock, slots: number, eventsPerSlotMax: number) {
    assert(Number.isSafeInteger(slots) && slots >= 1, `bad event ring size ${slots}`);
    assert(eventsPerSlotMax >= 1, `bad events per slot ${eventsPerSlotMax}`);
    this.#clock = clock;
    this.slots = slots;
    this.eventsPerSlotMax = eventsPerSlotMax;
    this.#ring = new Array<Slot | null>(slots).fill(null);
  }

  /** Serf's `handleUserEvent`: 'new' means deliver and re-gossip. */
  receive(ltime: bigint, name: string, payload: Uint8Array | null): UserEventVerdict {
    this.#clock.witness(ltime);
    if (ltime < this.minTime) return 'before-min-time';
    const now = this.#clock.time();
    const span = BigInt(this.slots);
    if (now > span && ltime < now - span) return 'too-old';
    const index = Number(ltime % span);
    let slot = this.#ring[index] ?? null;
    if (slot !== null && slot.ltime === ltime) {
      for (const e of slot.events) {
        if (e.name === name && sameBytes(e.payload, payload)) return 'duplicate';
      }
      if (slot.events.length >= this.eventsPerSlotMax) return 'slot-full';
    } else {
      slot = { ltime, events: [] };
      this.#ring[index] = slot;
    }
    slot.events.push({ name, payload });
    return 'new';
  }

  /** The slots in use, for push/pull. */
  pushPullSlots(): SerfEventSlot[] {
    const out: SerfEventSlot[] = [];
    for (const slot of this.#ring) {
      if (slot !== null) out.push({ ltime: slot.ltime, events: slot.events.slice() });
    }
    return out;
  }
}

/**
 * Builds and size-checks a user event about to be sent, stamped with `clock`'s current
 * time; the caller increments the clock once it is accepted. Throws `ConfigError` naming
 * the argument when it is too large.
 */
export function buildUserEvent(
  clock: LamportClock,
  name: string,
  payload: Uint8Array,
  coalesce: boolean,
  sizeLimitBytes: number,
): { readonly msg: SerfUserEvent; readonly bytes: Uint8Array } {
  const limit = Math.min(sizeLimitBytes, USER_EVENT_BYTES_CEILING);
  const rawBytes = new TextEncoder().encode(name).length + payload.length;
  if (rawBytes > limit) {
    throw new ConfigError(
      'userEvent',
      `name and payload are ${rawBytes} bytes, over the limit of ${limit}`,
    );
  }
  const msg: SerfUserEvent = {
    type: 'userEvent',
    ltime: clock.time(),
    name,
    payload,
    cc: coalesce,
  };
  const bytes = encodeSerfMessage(msg);
  if (bytes.length > limit) {
    throw new ConfigError(
      'userEvent',
      `the encoded event is ${bytes.length} bytes, over the limit of ${limit}`,
    );
  }
  return { msg, bytes };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  // Go compares with bytes.Equal, for which nil and empty are equal.
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const EMPTY = new Uint8Array(0);
