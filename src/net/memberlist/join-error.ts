/**
 * Why a join failed, per seed, in words a user can act on.
 *
 * A join is a push/pull with each seed address (memberlist-wire.md §6.1); it fails when no
 * seed completed one. The SWIM node knows only that its exchanges timed out or were refused
 * by the protocol; the host knows what happened on the wire (refused, accepted and closed,
 * an answer that does not decrypt). `JoinError` puts the two together, one line per seed, and
 * adds the likely cause where the wire says it: an encryption-key mismatch looks like
 * "accepted, then closed without an answer" or "the answer did not decrypt".
 */

import { RemoteError } from '../../core/errors.ts';
import type { StreamFailureReason } from './host.ts';

export type SeedFailureReason = StreamFailureReason | 'resolve' | 'protocol';

export interface SeedFailure {
  /** The seed as the user wrote it. */
  readonly seed: string;
  /** "ip:port" tried, or '' when the name did not resolve. */
  readonly endpoint: string;
  readonly reason: SeedFailureReason;
  readonly detail: string;
}

const HINTS: Partial<Record<SeedFailureReason, string>> = {
  refused: 'nothing listens there: is the seed running, and is the port right?',
  'no-answer':
    'if the seed is a memberlist/Serf node, its encryption key probably differs from ours (or it has one and we do not)',
  'plaintext-answer': 'give the seed our key, or start this member without one',
  'encrypted-answer': 'start this member with the cluster key',
  timeout: 'the seed did not answer in time: a firewall dropping TCP, or an overloaded seed',
};

export class JoinError extends RemoteError {
  readonly failures: readonly SeedFailure[];

  constructor(failures: readonly SeedFailure[], seedsGiven: number) {
    const lines = failures.map((f) => {
      const hint = HINTS[f.reason];
      const where =
        f.endpoint === '' || f.endpoint === f.seed ? f.seed : `${f.seed} (${f.endpoint})`;
      return `  ${where}: ${f.detail}${hint === undefined ? '' : ` — ${hint}`}`;
    });
    super(
      'HEARSAY_ERR_SOCKET',
      `join failed: none of the ${seedsGiven} seed(s) answered\n${lines.join('\n')}`,
    );
    this.name = 'JoinError';
    this.failures = failures;
  }
}
