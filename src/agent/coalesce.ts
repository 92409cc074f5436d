/**
 * Event coalescing, as Serf's agent does it (serf/coalesce*.go): bursts of events are held
 * for a while and only what still matters at the end is handed on.
 *
 * Timing (Serf's `coalesceLoop`): the first event held opens a window of `periodMs`; every
 * event held restarts a quiet timer of `quiescentMs`; whichever fires first flushes
 * everything held, and the next event opens a new window. So a steady trickle is flushed
 * at least every `periodMs`, and a burst that stops is flushed `quiescentMs` after its last
 * event. A period or quiet time of 0 turns coalescing off (events pass straight through).
 *
 * Two policies:
 *   - user events (`userEventPolicy`): only events sent with coalescing allowed are held;
 *     per name, only those with the newest Lamport time survive (several with the same
 *     time all do). Five quick `deploy` events become the last one.
 *   - member events (`memberEventPolicy`): per member, the latest event survives; at the
 *     flush they are grouped by type into one event per type (a handler run sees all the
 *     members that joined); an event of the same type as the last one handed on for that
 *     member is dropped, except member-update (a flap join→fail→join reads as one join
 *     only if the join was not already reported).
 *
 * Limits: at most `heldMax` names or members are held; reaching it flushes early (holding
 * less is always correct, only less coalesced). The member policy's memory of what it last
 * handed on is bounded by `rememberedMax` and forgets a member when its reap is handed on.
 */

import type { AgentMemberEvent, AgentUserEvent } from './agent-events.ts';
import type { AgentMember, MemberEvent, MemberEventType } from './cluster.ts';

/** Names or members held in one window before an early flush. */
export const COALESCE_HELD_MAX = 4096;
/** Members whose last handed-on event type the member policy remembers. */
export const COALESCE_REMEMBERED_MAX = 65_536;

export interface CoalescePolicy<In, Out> {
  /** Whether this event is held (else it passes straight through). */
  holds(e: In): boolean;
  add(e: In): void;
  /** How many names or members are held. */
  readonly size: number;
  /** Everything held, as the events to hand on; empties the policy. */
  flush(): Out[];
}

export class Coalescer<In, Out> {
  readonly #policy: CoalescePolicy<In, Out>;
  readonly #periodMs: number;
  readonly #quiescentMs: number;
  readonly #pass: (e: In) => void;
  readonly #emit: (e: Out) => void;
  readonly #heldMax: number;
  #window: ReturnType<typeof setTimeout> | undefined;
  #quiet: ReturnType<typeof setTimeout> | undefined;

  /**
   * `pass` gets events not held (or all, when coalescing is off); `emit` gets the
   * coalesced events at each flush.
   */
  constructor(options: {
    readonly policy: CoalescePolicy<In, Out>;
    readonly periodMs: number;
    readonly quiescentMs: number;
    readonly pass: (e: In) => void;
    readonly emit: (e: Out) => void;
    readonly heldMax?: number;
  }) {
    this.#policy = options.policy;
    this.#periodMs = options.periodMs;
    this.#quiescentMs = options.quiescentMs;
    this.#pass = options.pass;
    this.#emit = options.emit;
    this.#heldMax = options.heldMax ?? COALESCE_HELD_MAX;
  }

  get enabled(): boolean {
    return this.#periodMs > 0 && this.#quiescentMs > 0;
  }

  push(e: In): void {
    if (!this.enabled || !this.#policy.holds(e)) {
      this.#pass(e);
      return;
    }
    if (this.#policy.size >= this.#heldMax) this.flush();
    this.#policy.add(e);
    this.#window ??= setTimeout(() => this.flush(), this.#periodMs);
    clearTimeout(this.#quiet);
    this.#quiet = setTimeout(() => this.flush(), this.#quiescentMs);
  }

  /** Hand on everything held now (a window or quiet timer fired, or the agent stops). */
  flush(): void {
    clearTimeout(this.#window);
    clearTimeout(this.#quiet);
    this.#window = undefined;
    this.#quiet = undefined;
    for (const out of this.#policy.flush()) this.#emit(out);
  }
}

/** Serf's `userEventCoalescer`. */
export function userEventPolicy(): CoalescePolicy<AgentUserEvent, AgentUserEvent> {
  const latest = new Map<string, { ltime: bigint; events: AgentUserEvent[] }>();
  return {
    holds: (e) => e.coalesce,
    add: (e) => {
      const held = latest.get(e.name);
      if (held === undefined || held.ltime < e.ltime) {
        latest.set(e.name, { ltime: e.ltime, events: [e] });
      } else if (held.ltime === e.ltime) {
        held.events.push(e);
      }
    },
    get size() {
      return latest.size;
    },
    flush: () => {
      const out = [...latest.values()].flatMap((h) => h.events);
      latest.clear();
      return out;
    },
  };
}

/** Types in the order a flush hands them on: joins before the events that follow them. */
const FLUSH_ORDER: readonly MemberEventType[] = [
  'member-join',
  'member-update',
  'member-leave',
  'member-failed',
  'member-reap',
];

/** Serf's `memberEventCoalescer`. */
export function memberEventPolicy(
  rememberedMax = COALESCE_REMEMBERED_MAX,
): CoalescePolicy<MemberEvent, AgentMemberEvent> {
  const latest = new Map<string, MemberEvent>();
  const handedOn = new Map<string, MemberEventType>();
  return {
    holds: () => true,
    add: (e) => {
      latest.set(e.member.name, e);
    },
    get size() {
      return latest.size;
    },
    flush: () => {
      const byType = new Map<MemberEventType, AgentMember[]>();
      for (const [name, e] of latest) {
        const previous = handedOn.get(name);
        if (previous === e.type && e.type !== 'member-update') continue;
        if (e.type === 'member-reap') handedOn.delete(name);
        else {
          if (!handedOn.has(name) && handedOn.size >= rememberedMax) handedOn.clear();
          handedOn.set(name, e.type);
        }
        const members = byType.get(e.type) ?? [];
        members.push(e.member);
        byType.set(e.type, members);
      }
      latest.clear();
      const out: AgentMemberEvent[] = [];
      for (const type of FLUSH_ORDER) {
        const members = byType.get(type);
        if (members !== undefined) out.push({ type, members });
      }
      return out;
    },
  };
}
