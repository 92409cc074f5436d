/**
 * Latency sampling for the network model. A pure function of the model and the RNG, so
 * that tests can check each distribution's shape without a simulator around it.
 */

import type { Rng } from '../core/rng.ts';
import type { LatencyModel } from './types.ts';

/** One link-latency draw in milliseconds (never negative). */
export function sampleLatencyMs(model: LatencyModel, rng: Rng): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'uniform':
      return model.minMs + rng.float() * (model.maxMs - model.minMs);
    case 'lognormal':
      // median = e^mu, so mu = ln(median).
      return model.medianMs * Math.exp(model.sigma * rng.normal());
  }
}
