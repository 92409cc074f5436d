/**
 * When a rumor monger stops spreading a rumor (SIR: infected → removed), after Demers et
 * al. 1987, section 1.4:
 *  - feedback: only *unnecessary* contacts count (the recipient already knew);
 *    blind: every contact counts, whatever the recipient says;
 *  - counter: lose interest once k contacts have counted;
 *    coin: after each counted contact, lose interest with probability 1/k.
 * A pure function so the table tests can pin each variant down without a simulator.
 */

import type { RumorVariant } from './config.ts';

/** Does this contact count toward losing interest? */
export function contactCounts(variant: RumorVariant, recipientAlreadyKnew: boolean): boolean {
  return variant === 'blind-counter' || variant === 'blind-coin' || recipientAlreadyKnew;
}

/**
 * Decide loss of interest after a counted contact. `counter` is the number of counted
 * contacts including this one; `coin` is a uniform draw in [0, 1) (used by coin variants).
 */
export function losesInterest(
  variant: RumorVariant,
  k: number,
  counter: number,
  coin: number,
): boolean {
  if (variant === 'feedback-counter' || variant === 'blind-counter') return counter >= k;
  return coin < 1 / k;
}

/** Whether the variant needs the recipient to answer with feedback. */
export function needsFeedback(variant: RumorVariant): boolean {
  return variant === 'feedback-counter' || variant === 'feedback-coin';
}
