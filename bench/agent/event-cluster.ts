/**
 * The seam between the event benchmark and the agents it measures (Serf or hearsay).
 *
 * bench/membership/cluster-under-test.ts is the membership benchmark's seam; this one asks
 * more of an agent — send a user event through node i, read node i's event counters, hand
 * the load generator a pipelined sender — and both of its implementations keep their
 * agents' RPC and HTTP addresses private, so the event benchmark starts its agents through
 * its own two small classes (serf-agents.ts, hearsay-agents.ts) on the same shared helpers
 * (test/support/serf, the `listening` line of `hearsay agent`).
 *
 * `start` starts node 0, waits until it answers, spawns the rest joining it, and returns;
 * `aliveSeen(i)` rejects while node i does not answer yet, so callers poll it for
 * convergence. Every process is stopped by PID in `stop`, which never throws.
 */

export interface EventClusterStart {
  readonly nodes: number;
  /** Path of the executable handler script (handler-log.ts) run for the handled event. */
  readonly handlerScript: string;
  /** The user event name the handler is registered for (`user:NAME`). */
  readonly handledEventName: string;
  /** Timing preset of both systems: lan, wan or local. */
  readonly profile: string;
}

/** One agent's event counters, as far as its system exposes them. */
export interface AgentEventCounters {
  /** User events delivered to this agent (hearsay `stats.userEvents.received`); Serf: null. */
  readonly received: number | null;
  /** The agent's user-event Lamport clock (Serf `stats` `serf.event_time`); hearsay: null. */
  readonly eventClock: number | null;
  /** Broadcasts waiting to be gossiped (Serf `event_queue`; hearsay all broadcast queues). */
  readonly queueDepth: number | null;
  /** User events this agent dropped, by reason (hearsay only: `serf:user-event-*`). */
  readonly dropped: Readonly<Record<string, number>> | null;
}

/** A sender for the load phase: many requests in flight to one agent. */
export interface LoadSender {
  /** Requests the sender can keep in flight; the load generator skips sends beyond it. */
  readonly inFlightMax: number;
  /** Resolves when the agent acknowledged the event (Serf RPC reply, HTTP 200). */
  send(name: string, payload: string): Promise<void>;
  close(): void;
}

/** Counts the user events of one name an agent receives, from its opening on. */
export interface ReceiveCounter {
  readonly count: number;
  /** Why counting stopped early, if it did. */
  readonly error: string | undefined;
  close(): void;
}

export interface EventCluster {
  /** E.g. "serf 0.8.2-dev (Debian serf 0.9.4), profile lan". */
  readonly system: string;
  readonly size: number;
  start(options: EventClusterStart): Promise<void>;
  nameOf(index: number): string;
  /** How many members node `index` lists alive; rejects if it does not answer. */
  aliveSeen(index: number): Promise<number>;
  /** A non-coalesced user event sent through node `index`; resolves on its acknowledgement. */
  sendEvent(index: number, name: string, payload: string): Promise<void>;
  loadSender(index: number): LoadSender;
  counters(index: number): Promise<AgentEventCounters>;
  /**
   * Where the system keeps no received-events counter (Serf): count events named `name` as
   * node `index` delivers them. Absent where `counters` has `received`.
   */
  countReceived?(index: number, name: string): Promise<ReceiveCounter>;
  pids(): number[];
  /** A few lines about node `index` (running? exit? log tail) for a report. */
  describe(index: number): string;
  stop(): Promise<void>;
}
