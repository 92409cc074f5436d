/**
 * Lifeguard off: the config switches validate, and the buddy-system switch strips exactly
 * the suspect that rides on a probe of a suspect member, and nothing else.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simSwimConfig } from '../../../src/membership/swim/spec.ts';
import type { Ping, Suspect } from '../../../src/membership/wire/messages.ts';
import { experimentConfig } from '../../../src/sim/swim/experiment.ts';
import { LIFEGUARD_OFF, withoutBuddy } from '../../../src/sim/swim/lifeguard-switch.ts';

const ping: Ping = {
  type: 'ping',
  seqNo: 7,
  node: 'node-3',
  sourceAddr: new Uint8Array([10, 0, 0, 1]),
  sourcePort: 7946,
  sourceNode: 'node-1',
};
const suspect: Suspect = { type: 'suspect', incarnation: 2, node: 'node-3', from: 'node-1' };

test('LIFEGUARD_OFF is a valid config: no awareness, fixed suspicion timeout, no nacks', () => {
  const c = simSwimConfig(0, experimentConfig(false));
  assert.equal(c.awarenessMaxMultiplier, 1);
  assert.equal(c.suspicionMaxTimeoutMult, 1);
  assert.ok(c.protocolVersionMax < 4, 'nacks need protocol 4');
  assert.ok(c.protocolVersionMax >= 3, 'the TCP fallback ping (protocol 3) predates Lifeguard');
  assert.deepEqual(Object.keys(LIFEGUARD_OFF).sort(), [
    'awarenessMaxMultiplier',
    'protocolVersionMax',
    'suspicionMaxTimeoutMult',
  ]);
  const on = simSwimConfig(0, experimentConfig(true));
  assert.equal(on.awarenessMaxMultiplier, 8);
  assert.equal(on.suspicionMaxTimeoutMult, 6);
});

test('the buddy suspect is stripped from a probe of a suspect member, plain or CRC-wrapped', () => {
  assert.deepEqual(withoutBuddy({ type: 'compound', parts: [ping, suspect] }, false), ping);
  assert.deepEqual(
    withoutBuddy({ type: 'hasCrc', message: { type: 'compound', parts: [ping, suspect] } }, false),
    { type: 'hasCrc', message: ping },
  );
});

test('anything else passes unchanged', () => {
  const other: Suspect = { ...suspect, node: 'node-4' };
  for (const msg of [
    ping,
    suspect,
    { type: 'compound', parts: [ping, other] },
    { type: 'compound', parts: [suspect, ping] },
    { type: 'compound', parts: [ping, suspect, suspect] },
  ] as const) {
    assert.equal(withoutBuddy(msg, false), msg);
  }
});
