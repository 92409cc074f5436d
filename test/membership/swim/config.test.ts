import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/core/errors.ts';
import {
  LAN_CONFIG,
  LOCAL_CONFIG,
  swimConfig,
  vsnOf,
  WAN_CONFIG,
} from '../../../src/membership/swim/config.ts';

test('presets carry memberlist §9 values (LAN / WAN / Local)', () => {
  const rows: [keyof typeof LAN_CONFIG, unknown, unknown, unknown][] = [
    ['tcpTimeoutMs', 10_000, 30_000, 1000],
    ['indirectChecks', 3, 3, 1],
    ['retransmitMult', 4, 4, 2],
    ['suspicionMult', 4, 6, 3],
    ['suspicionMaxTimeoutMult', 6, 6, 6],
    ['pushPullIntervalMs', 30_000, 60_000, 15_000],
    ['probeIntervalMs', 1000, 5000, 1000],
    ['probeTimeoutMs', 500, 3000, 200],
    ['disableTcpPings', false, false, false],
    ['awarenessMaxMultiplier', 8, 8, 8],
    ['gossipNodes', 3, 4, 3],
    ['gossipIntervalMs', 200, 500, 100],
    ['gossipToTheDeadMs', 30_000, 60_000, 15_000],
    ['enableCompression', true, true, true],
    ['udpBufferBytes', 1400, 1400, 1400],
    ['deadNodeReclaimMs', 0, 0, 0],
    ['advertisePort', 7946, 7946, 7946],
    ['protocolVersion', 2, 2, 2],
  ];
  for (const [field, lan, wan, local] of rows) {
    assert.equal(LAN_CONFIG[field], lan, `LAN ${field}`);
    assert.equal(WAN_CONFIG[field], wan, `WAN ${field}`);
    assert.equal(LOCAL_CONFIG[field], local, `Local ${field}`);
  }
  assert.deepEqual(vsnOf(LAN_CONFIG), [1, 5, 2, 2, 5, 5]);
  // Every preset passes its own validation.
  for (const p of [LAN_CONFIG, WAN_CONFIG, LOCAL_CONFIG])
    assert.doesNotThrow(() => swimConfig({}, p));
});

test('swimConfig fills from the preset and freezes', () => {
  const c = swimConfig({ name: 'a', probeIntervalMs: 6000 }, WAN_CONFIG);
  assert.equal(c.name, 'a');
  assert.equal(c.probeIntervalMs, 6000);
  assert.equal(c.suspicionMult, 6);
  assert.ok(Object.isFrozen(c));
  // undefined means "not given", not "unset the preset".
  assert.equal(swimConfig({ gossipNodes: undefined }).gossipNodes, 3);
});

test('swimConfig names the bad field and what it accepts', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ name: '' }, 'name', /non-empty/],
    [{ name: 'x'.repeat(513) }, 'name', /512 bytes/],
    [{ advertiseIp: new Uint8Array(5) }, 'advertiseIp', /4 .* or 16/],
    [{ advertisePort: 0 }, 'advertisePort', /\[1, 65535\]/],
    [{ probeIntervalMs: 1.5 }, 'probeIntervalMs', /integer/],
    [{ probeTimeoutMs: 1000 }, 'probeTimeoutMs', /below probeIntervalMs/],
    [{ indirectChecks: -1 }, 'indirectChecks', /\[0, 64\]/],
    [{ gossipNodes: Number.NaN }, 'gossipNodes', /NaN/],
    [{ enableCompression: 'yes' }, 'enableCompression', /true or false/],
    [{ udpBufferBytes: 10 }, 'udpBufferBytes', /\[64, 65507\]/],
    [{ protocolVersion: 6 }, 'protocolVersion', /\[1, 5\]/],
    [{ protocolVersionMin: 3, protocolVersion: 2 }, 'protocolVersion', /\[protocolVersionMin/],
    [{ delegateVersionMin: 6 }, 'delegateVersionMin', /≤ delegateVersionMax/],
    [{ membersMax: 0 }, 'membersMax', /integer in \[1/],
    [{ nosuch: 1 }, 'nosuch', /not a SWIM configuration field/],
  ];
  for (const [partial, field, message] of cases) {
    assert.throws(
      () => swimConfig(partial as never),
      (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message),
      `${field}: ${JSON.stringify(partial, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`,
    );
  }
});
