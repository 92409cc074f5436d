/** The agent's settings table: defaults, each setting's accepted and refused values, cross-checks. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AGENT_SETTINGS,
  AgentConfigError,
  agentConfigFrom,
  agentSettingAccepts,
  JOIN_ADDRESSES_MAX,
  type RawAgentSettings,
  TAGS_MAX,
} from '../../src/agent/config.ts';

const KEY32 = Buffer.alloc(32, 7).toString('base64');
const KEY16 = Buffer.alloc(16, 1).toString('base64');

function refused(raw: RawAgentSettings, field: string, detail: RegExp): void {
  assert.throws(
    () => agentConfigFrom(raw),
    (e: unknown) => {
      assert.ok(e instanceof AgentConfigError, String(e));
      assert.equal(e.field, field);
      assert.match(e.detail, detail);
      assert.equal(e.code, 'HEARSAY_ERR_CONFIG_INVALID');
      return true;
    },
  );
}

describe('agent config', () => {
  it('defaults: Serf-like bind, loopback HTTP, lan, info, human logs, no tags or key', () => {
    const c = agentConfigFrom({});
    assert.deepEqual(c.bind, { host: '0.0.0.0', port: 7946 });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 7374 });
    assert.deepEqual(c.join, []);
    assert.deepEqual(c.tags, {});
    assert.equal(c.encryptKey, null);
    assert.equal(c.advertise, null);
    assert.equal(c.profile, 'lan');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.logJson, false);
    assert.ok(c.nodeName.length > 0, 'the host name (or a fallback) names the node');
    assert.ok(Object.isFrozen(c));
  });

  it('every setting, valid', () => {
    const c = agentConfigFrom({
      name: 'web-1',
      bind: '127.0.0.1:0',
      advertise: '10.0.0.5',
      join: ['127.0.0.1:7001', '10.0.0.2:7946'],
      tag: ['role=web', 'dc=eu-1', 'empty='],
      encrypt: KEY32,
      profile: 'local',
      http: '127.0.0.1:0',
      'log-level': 'debug',
      'log-json': true,
    });
    assert.equal(c.nodeName, 'web-1');
    assert.deepEqual(c.bind, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(c.advertise, { host: '10.0.0.5', port: 0 }, 'port 0: the bound port');
    assert.deepEqual(c.join, [
      { host: '127.0.0.1', port: 7001 },
      { host: '10.0.0.2', port: 7946 },
    ]);
    assert.deepEqual(c.tags, { role: 'web', dc: 'eu-1', empty: '' });
    assert.deepEqual([...c.encryptKey!], [...Buffer.alloc(32, 7)]);
    assert.equal(c.profile, 'local');
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 0 });
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.logJson, true);
  });

  it('a tag value may contain "="; a 16-byte key; an advertised port', () => {
    const c = agentConfigFrom({ tag: 'expr=a=b', encrypt: KEY16, advertise: '192.168.1.4:8000' });
    assert.deepEqual(c.advertise, { host: '192.168.1.4', port: 8000 });
    assert.deepEqual(c.tags, { expr: 'a=b' });
    assert.equal(c.encryptKey!.length, 16);
  });

  const cases: [string, RawAgentSettings, string, RegExp][] = [
    ['empty name', { name: '' }, '--name', /^must be a name of 1 to 128 bytes/],
    ['name with a space', { name: 'a b' }, '--name', /got "a b"/],
    ['name over 128 bytes', { name: 'é'.repeat(65) }, '--name', /1 to 128 bytes/],
    ['name with a control character', { name: 'a\u0007' }, '--name', /control/],
    ['bind without port', { bind: '127.0.0.1' }, '--bind', /^must be IPV4:PORT/],
    ['bind to a name', { bind: 'localhost:7946' }, '--bind', /IPV4:PORT/],
    ['bind port too high', { bind: '127.0.0.1:65536' }, '--bind', /\[0, 65535\]/],
    ['advertise everywhere', { advertise: '0.0.0.0' }, '--advertise', /not 0\.0\.0\.0/],
    ['advertise a name', { advertise: 'myhost:7946' }, '--advertise', /^must be IPV4 or IPV4:PORT/],
    ['join port 0', { join: '127.0.0.1:0' }, '--join', /\[1, 65535\]/],
    ['join not an address', { join: ['127.0.0.1:7001', 'x'] }, '--join', /got "x"/],
    ['tag without =', { tag: 'role' }, '--tag', /^must be KEY=VALUE/],
    ['tag with an empty key', { tag: '=web' }, '--tag', /non-empty KEY/],
    ['tag given twice', { tag: ['a=1', 'a=2'] }, '--tag', /gives the tag "a" twice/],
    [
      'tags over 512 bytes',
      { tag: [`a=${'x'.repeat(300)}`, `b=${'y'.repeat(300)}`] },
      '--tag',
      /512-byte/,
    ],
    ['encrypt not base64', { encrypt: 'not base64!' }, '--encrypt', /base64 AES key/],
    [
      'encrypt of 10 bytes',
      { encrypt: Buffer.alloc(10).toString('base64') },
      '--encrypt',
      /16, 24 or 32/,
    ],
    [
      'profile unknown',
      { profile: 'fast' },
      '--profile',
      /^must be one of lan, wan, local, got "fast"$/,
    ],
    ['http port too high', { http: '127.0.0.1:99999' }, '--http', /IPV4:PORT/],
    ['http to a name', { http: 'localhost:80' }, '--http', /IPV4:PORT/],
    [
      'log level unknown',
      { 'log-level': 'loud' },
      '--log-level',
      /one of trace, debug, info, warn, error/,
    ],
    ['a switch with a value', { 'log-json': 'yes' }, '--log-json', /takes no value/],
    ['a value setting as a switch', { profile: true }, '--profile', /needs a value/],
    ['a single setting twice', { profile: ['lan', 'wan'] }, '--profile', /only once/],
    ['an unknown setting', { colour: 'red' }, '--colour', /not a setting/],
    [
      'a retry interval that would spin',
      { 'retry-interval': '1ms' },
      '--retry-interval',
      /from 10ms to 24h/,
    ],
    ['a negative retry max', { 'retry-max': '-1' }, '--retry-max', /integer in \[0, /],
  ];
  for (const [what, raw, field, detail] of cases) {
    it(`refuses ${what}, naming ${field}`, () => refused(raw, field, detail));
  }

  it('the key is never echoed in the error', () => {
    const secret = 'c2VjcmV0LWtleQ=='; // "secret-key", 10 bytes
    assert.throws(
      () => agentConfigFrom({ encrypt: secret }),
      (e: Error) => !e.message.includes(secret),
    );
  });

  it(`refuses more than ${JOIN_ADDRESSES_MAX} join addresses and ${TAGS_MAX} tags`, () => {
    const joins = Array.from({ length: JOIN_ADDRESSES_MAX + 1 }, (_, i) => `10.0.0.1:${i + 1}`);
    refused({ join: joins }, '--join', /at most 64 times/);
    const tags = Array.from({ length: TAGS_MAX + 1 }, (_, i) => `${i}=`);
    refused({ tag: tags }, '--tag', /at most 64 times/);
  });

  it('refuses joining its own bind address and sharing the gossip port with HTTP', () => {
    refused({ bind: '127.0.0.1:7001', join: '127.0.0.1:7001' }, '--join', /own --bind/);
    refused(
      { bind: '127.0.0.1:7001', 'retry-join': '127.0.0.1:7001' },
      '--retry-join',
      /own --bind/,
    );
    refused({ bind: '127.0.0.1:7001', http: '127.0.0.1:7001' }, '--http', /share port 7001/);
    refused({ bind: '0.0.0.0:7001', http: '127.0.0.1:7001' }, '--http', /share port/);
    // Port 0 on both is two different free ports.
    assert.ok(agentConfigFrom({ bind: '127.0.0.1:0', http: '127.0.0.1:0' }));
  });

  it("--retry-join takes Serf's defaults: every 30 s, forever", () => {
    const c = agentConfigFrom({ 'retry-join': ['10.0.0.1:7946', '10.0.0.2:7946'] });
    assert.deepEqual(c.retryJoin, [
      { host: '10.0.0.1', port: 7946 },
      { host: '10.0.0.2', port: 7946 },
    ]);
    assert.equal(c.retryIntervalMs, 30_000);
    assert.equal(c.retryMax, 0);
    const d = agentConfigFrom({ 'retry-interval': '5s', 'retry-max': '3' });
    assert.equal(d.retryIntervalMs, 5_000);
    assert.equal(d.retryMax, 3);
  });

  it('another source names the fields its own way', () => {
    assert.throws(
      () => agentConfigFrom({ bind: 'x' }, (name) => `HEARSAY_${name.toUpperCase()}`),
      (e: unknown) => e instanceof AgentConfigError && e.field === 'HEARSAY_BIND',
    );
  });

  it('every setting says what it accepts; lookups take the flag with or without dashes', () => {
    for (const s of AGENT_SETTINGS) {
      assert.ok(s.accepts.length > 0 && s.help.length > 0, s.name);
      assert.equal(agentSettingAccepts(`--${s.name}`), s.accepts);
      assert.equal(agentSettingAccepts(s.name), s.accepts);
    }
    assert.equal(agentSettingAccepts('--nope'), undefined);
  });
});
