/**
 * Configuration of the dissemination family, one typed object for every protocol in it.
 *
 * Defaults reproduce the classic models: one peer per period (the "random phone call"
 * model of Karp et al. and Demers et al.), no hop limit, no budget. `validateDisseminationConfig`
 * names the field and the accepted range on bad input.
 */

import { ConfigError } from '../core/errors.ts';
import type { DisseminationProtocolName, RumorVariant } from '../sim/types.ts';

export type { DisseminationProtocolName, RumorVariant };

export interface DisseminationConfig {
  /** Which protocol: push, pull, push-pull (digest exchange), rumor (SIR), anti-entropy. */
  readonly protocol: DisseminationProtocolName;
  /**
   * Rumor mongering loss of interest. feedback-*: only contacts with peers that already knew
   * the rumor count; blind-*: every contact counts. *-counter: lose interest after k counted
   * contacts; *-coin: after each counted contact, lose interest with probability 1/k.
   */
  readonly variant: RumorVariant;
  /** The k of `variant`. Larger k: lower residue, more traffic (Demers: s ≈ e^-m). */
  readonly k: number;
  /**
   * Peers contacted per period. 'adaptive' uses ceil(adaptiveFanoutC · ln n), n the number of
   * nodes known: the fanout at which push gossip informs everyone with high probability.
   */
  readonly fanout: number | 'adaptive';
  readonly adaptiveFanoutC: number;
  /** Hop limit: an item that has travelled `ttl` hops is delivered but not forwarded. */
  readonly ttl: number;
  /** Gossip period: how often each node starts a round of contacts. */
  readonly periodMs: number;
  /**
   * Anti-entropy backstop for push, pull, push-pull and rumor: every this many ms, a full
   * digest exchange with one random peer, news or not. 0 turns it off. For protocol
   * 'anti-entropy' this is ignored and `periodMs` is the exchange period.
   */
  readonly antiEntropyPeriodMs: number;
  /** Most messages a node may send per period; sends over it are refused and counted. */
  readonly messageBudgetPerPeriod: number;
  /**
   * Start each node's periodic timer at a random phase within one period (real clusters)
   * rather than all at once (synchronous rounds, as in the papers).
   */
  readonly jitterStart: boolean;
}

export const DEFAULT_DISSEMINATION_CONFIG: DisseminationConfig = {
  protocol: 'push-pull',
  variant: 'feedback-counter',
  k: 2,
  fanout: 1,
  adaptiveFanoutC: 1,
  ttl: Number.POSITIVE_INFINITY,
  periodMs: 200,
  antiEntropyPeriodMs: 0,
  messageBudgetPerPeriod: Number.POSITIVE_INFINITY,
  jitterStart: true,
};

export const PROTOCOL_NAMES: readonly DisseminationProtocolName[] = [
  'push',
  'pull',
  'push-pull',
  'rumor',
  'anti-entropy',
];
export const RUMOR_VARIANTS: readonly RumorVariant[] = [
  'feedback-counter',
  'feedback-coin',
  'blind-counter',
  'blind-coin',
];

function positiveInt(field: string, v: number, allowInfinity = false): void {
  if (allowInfinity && v === Number.POSITIVE_INFINITY) return;
  if (!Number.isInteger(v) || v < 1) {
    throw new ConfigError(
      field,
      `must be a positive integer${allowInfinity ? ' or Infinity' : ''}, got ${v}`,
    );
  }
}

/** Fill defaults and validate; throws `ConfigError` naming the first bad field. */
export function disseminationConfig(
  partial: Partial<DisseminationConfig> = {},
): DisseminationConfig {
  const c: DisseminationConfig = { ...DEFAULT_DISSEMINATION_CONFIG, ...partial };
  if (!PROTOCOL_NAMES.includes(c.protocol)) {
    throw new ConfigError(
      'protocol',
      `must be one of ${PROTOCOL_NAMES.join(', ')}, got ${c.protocol}`,
    );
  }
  if (!RUMOR_VARIANTS.includes(c.variant)) {
    throw new ConfigError(
      'variant',
      `must be one of ${RUMOR_VARIANTS.join(', ')}, got ${c.variant}`,
    );
  }
  positiveInt('k', c.k);
  if (c.fanout !== 'adaptive') positiveInt('fanout', c.fanout);
  if (!(c.adaptiveFanoutC > 0))
    throw new ConfigError('adaptiveFanoutC', `must be > 0, got ${c.adaptiveFanoutC}`);
  positiveInt('ttl', c.ttl, true);
  if (!(c.periodMs > 0) || !Number.isFinite(c.periodMs)) {
    throw new ConfigError('periodMs', `must be a finite number > 0, got ${c.periodMs}`);
  }
  if (!(c.antiEntropyPeriodMs >= 0) || !Number.isFinite(c.antiEntropyPeriodMs)) {
    throw new ConfigError(
      'antiEntropyPeriodMs',
      `must be a finite number >= 0, got ${c.antiEntropyPeriodMs}`,
    );
  }
  positiveInt('messageBudgetPerPeriod', c.messageBudgetPerPeriod, true);
  return c;
}
