/**
 * What a SWIM node tells its host, the layers above and the metrics: one union,
 * discriminated by `type`, names in kebab-case, grouped by subject.
 *
 * Member events (`member-*`) carry a `Member` snapshot taken at the moment of the change;
 * they mirror memberlist's EventDelegate (join, leave, update) plus the suspicion steps
 * Lifeguard adds. Lifecycle events (`join-*`, `left`) answer the application commands.
 * Probe, awareness, push/pull and drop events exist for metrics and for the paper
 * reproductions (detection time, false positives, message load) — each names its
 * memberlist counterpart where there is one.
 *
 * What is not here: Serf's events (src/serf), and anything per-message on the hot path
 * beyond probes and drops (the host counts sends itself).
 */

import type { Member, MemberAddress } from '../types.ts';

/** Why an incoming message (or part of one) was dropped without effect. */
export type SwimDropReason =
  /** A message type that is valid on the wire but not expected here (e.g. pushPull by packet). */
  | 'unexpected-type'
  /** A ping naming another node (memberlist: "Got ping for unexpected node"). */
  | 'wrong-node'
  /** An ack or nack whose sequence number matches no pending probe (late or forged). */
  | 'unknown-seq'
  /** A bound was reached: member table, pending probes, push/pulls in flight, broadcasts. */
  | 'limit'
  /** An alive message with a broken version triple (pMin = 0, pMax = 0 or pMin > pMax). */
  | 'bad-version'
  /** A field out of range (e.g. an address that maps to no peer id). */
  | 'malformed'
  /** A push/pull reply that no request of ours is waiting for. */
  | 'unsolicited';

export type SwimEvent =
  // --- members ---------------------------------------------------------------------
  /** A member became alive (new, or back from dead/left). Also fires for ourselves at start. */
  | { readonly type: 'member-join'; readonly member: Member }
  /** A member is gone: `member.state` is 'dead' (failed) or 'left' (graceful). */
  | { readonly type: 'member-leave'; readonly member: Member }
  /** An alive member's metadata changed. */
  | { readonly type: 'member-update'; readonly member: Member }
  /** A member became suspect; `from` is the accuser (us, or the peer whose message we applied). */
  | { readonly type: 'member-suspect'; readonly member: Member; readonly from: string }
  /** Another node confirmed an existing suspicion (Lifeguard): the timeout shrank. */
  | {
      readonly type: 'suspicion-confirmed';
      readonly name: string;
      readonly from: string;
      readonly confirmations: number;
      readonly timeoutMs: number;
    }
  /**
   * Our suspicion of a member ran out and we declare it dead (memberlist: "Marking X as
   * failed, suspect timeout reached (N peer confirmations)").
   */
  | {
      readonly type: 'suspicion-expired';
      readonly name: string;
      readonly confirmations: number;
      readonly timeoutMs: number;
    }
  /** A suspect member refuted the suspicion (alive with a higher incarnation). */
  | { readonly type: 'member-alive-again'; readonly member: Member }
  /** We refuted an accusation about ourselves by gossiping a higher incarnation. */
  | {
      readonly type: 'refuted';
      readonly accusation: 'alive' | 'suspect' | 'dead';
      readonly from: string;
      readonly incarnation: number;
    }
  /** Someone claims a known name from another address; ignored (memberlist's ConflictDelegate). */
  | {
      readonly type: 'name-conflict';
      readonly name: string;
      readonly existing: MemberAddress;
      readonly claimed: MemberAddress;
    }
  /** A dead member's entry was removed from the table (older than gossipToTheDeadMs). */
  | { readonly type: 'member-reaped'; readonly name: string }
  // --- lifecycle -------------------------------------------------------------------
  /** A join finished and at least one seed answered; `contacted` counts those. */
  | { readonly type: 'join-succeeded'; readonly contacted: number; readonly seeds: number }
  /** Every seed failed on every attempt. `reason` names the seeds and what happened. */
  | { readonly type: 'join-failed'; readonly seeds: readonly string[]; readonly reason: string }
  /** Our leave has been gossiped its full number of times (or `timedOut`). Emitted once. */
  | { readonly type: 'left'; readonly timedOut: boolean }
  // --- failure detector (metrics) --------------------------------------------------
  /** A probe got an ack. `via`: the direct ping, a helper, a late direct ack, or TCP. */
  | {
      readonly type: 'probe-ok';
      readonly target: string;
      readonly rttMs: number;
      readonly via: 'direct' | 'indirect' | 'tcp';
    }
  /** A probe failed: no ack within the (awareness-scaled) probe interval. */
  | {
      readonly type: 'probe-failed';
      readonly target: string;
      readonly helpers: number;
      readonly nacksExpected: number;
      readonly nacks: number;
    }
  /** The Lifeguard awareness (local health) score changed (memberlist.health.score). */
  | { readonly type: 'awareness-changed'; readonly score: number; readonly delta: number }
  // --- anti-entropy ----------------------------------------------------------------
  /** A push/pull completed: we merged `nodes` remote states (`initiated` by us or the peer). */
  | {
      readonly type: 'push-pull';
      readonly peer: number;
      readonly join: boolean;
      readonly initiated: boolean;
      readonly nodes: number;
    }
  /**
   * A member this node does not list alive or suspect pinged it by name, so this node started
   * a push/pull with it to learn what it missed (`strangerSyncIntervalMs`).
   */
  | { readonly type: 'stranger-sync'; readonly peer: number; readonly name: string }
  /**
   * The joins this node heard of by gossip have been quiet for `joinBurstSyncDelayMs`, so it
   * started a push/pull with a random alive member to learn of any it missed.
   */
  | { readonly type: 'join-burst-sync'; readonly peer: number; readonly name: string }
  /** A push/pull failed: timeout, remote error, or incompatible versions (§7.2). */
  | {
      readonly type: 'push-pull-failed';
      readonly peer: number;
      readonly join: boolean;
      readonly reason: string;
    }
  // --- hygiene ---------------------------------------------------------------------
  /** An incoming message (or part) was dropped; `messageType` is the wire type name. */
  | {
      readonly type: 'message-dropped';
      readonly reason: SwimDropReason;
      readonly messageType: string;
    };

export type SwimEventType = SwimEvent['type'];
