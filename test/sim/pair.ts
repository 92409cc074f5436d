/**
 * A pair harness for unit tests of one protocol (after quinn-proto's `Pair` and h11's
 * `ConnectionPair`): two or more nodes in the simulator on a perfect network, with
 * `step()` to process everything due at the next instant.
 */

import type { DisseminationConfig } from '../../src/dissemination/config.ts';
import type { DisseminationEvent } from '../../src/dissemination/messages.ts';
import { disseminationSpec } from '../../src/dissemination/spec.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import type { NetworkModel } from '../../src/sim/types.ts';

export interface Recorded {
  readonly node: number;
  readonly t: number;
  readonly event: DisseminationEvent;
}

export function cluster(
  nodes: number,
  config: Partial<DisseminationConfig>,
  seed = 1,
  network: Partial<NetworkModel> = {},
) {
  const events: Recorded[] = [];
  const sim = new Simulator({
    spec: disseminationSpec({ jitterStart: false, periodMs: 100, ...config }),
    nodes,
    seed,
    network,
    onEvent: (node, event, t) => events.push({ node, t, event }),
  });
  const delivered = (id: string): Set<number> =>
    new Set(
      events.filter((e) => e.event.type === 'deliver' && e.event.id === id).map((e) => e.node),
    );
  const publish = (node: number, id: string, data = new Uint8Array([1, 2, 3])): boolean => {
    let ok = false;
    sim.invoke(node, (p, ctx) => {
      ok = p.publish(ctx, id, data);
    });
    return ok;
  };
  return { sim, events, delivered, publish };
}
