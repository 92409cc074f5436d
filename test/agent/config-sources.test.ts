/**
 * Settings from config files, environment variables and flags: the precedence (flags >
 * env > later file > earlier file > --dev > defaults, a repeatable setting replaced whole),
 * the value forms each source accepts, and errors that name the field as its source
 * spells it — through `loadAgentConfig` with injected files and environment, and through
 * the real CLI (exit 2, one line) for a file, a variable and a flag.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AgentConfigError, DEV_PRESET, type RawAgentSettings } from '../../src/agent/config.ts';
import { envName, loadAgentConfig } from '../../src/agent/config-sources.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));

function load(
  options: {
    flags?: RawAgentSettings;
    files?: Record<string, string>;
    configFiles?: string[];
    env?: Record<string, string>;
  } = {},
) {
  const files = options.files ?? {};
  return loadAgentConfig({
    flags: options.flags ?? {},
    configFiles: options.configFiles ?? Object.keys(files),
    env: options.env ?? {},
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    },
  });
}

function refused(fn: () => unknown, field: string, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AgentConfigError, String(e));
    assert.equal(e.field, field);
    assert.match(e.detail, detail);
    return true;
  });
}

describe('config sources', () => {
  it('precedence: flags > env > later file > earlier file > defaults', () => {
    const { config } = load({
      files: {
        '/a.json': JSON.stringify({
          name: 'from-a',
          bind: '127.0.0.1:1001',
          profile: 'wan',
          'log-level': 'warn',
        }),
        '/b.json': JSON.stringify({ bind: '127.0.0.1:1002', profile: 'local' }),
      },
      env: { HEARSAY_PROFILE: 'lan', HEARSAY_LOG_LEVEL: 'debug' },
      flags: { 'log-level': 'error' },
    });
    assert.equal(config.nodeName, 'from-a');
    assert.deepEqual(config.bind, { host: '127.0.0.1', port: 1002 });
    assert.equal(config.profile, 'lan');
    assert.equal(config.logLevel, 'error');
    assert.equal(config.logJson, false);
  });

  it('a repeatable setting is replaced whole by a higher source', () => {
    const files = {
      '/c.json': JSON.stringify({ join: ['10.0.0.1:7946', '10.0.0.2:7946'], tag: { role: 'db' } }),
    };
    assert.equal(load({ files }).config.join.length, 2);
    const { config } = load({
      files,
      env: { HEARSAY_JOIN: '10.0.0.9:7946' },
      flags: { tag: ['zone=a'] },
    });
    assert.deepEqual(config.join, [{ host: '10.0.0.9', port: 7946 }]);
    assert.deepEqual(config.tags, { zone: 'a' });
  });

  it('value forms: numbers and booleans in files, lists in env, JSON arrays, switches', () => {
    const { config } = load({
      files: {
        '/d.json': JSON.stringify({
          'handler-concurrency': 4,
          'log-json': true,
          'event-handler': ['user:deploy=./deploy.sh', 'query:uptime=uptime'],
          tag: ['role=web', 'n=1'],
        }),
      },
      env: {
        HEARSAY_TAG: 'a=1, b=2',
        HEARSAY_EVENT_HANDLER: '["member-join=./j.sh"]',
        HEARSAY_LOG_JSON: 'no',
        HEARSAY_REJOIN: 'on',
      },
    });
    assert.equal(config.handlerConcurrency, 4);
    assert.equal(config.logJson, false, 'the variable turns the file switch off');
    assert.equal(config.rejoinAfterLeave, true);
    assert.deepEqual(config.tags, { a: '1', b: '2' });
    assert.deepEqual(
      config.eventHandlers.map((h) => h.script),
      ['./j.sh'],
    );
    const single = load({ env: { HEARSAY_EVENT_HANDLER: 'user:a,user:b=./x.sh' } }).config;
    assert.deepEqual(
      single.eventHandlers[0]!.filters.map((f) => f.name),
      ['a', 'b'],
      'not split on commas',
    );
  });

  it('HEARSAY_CONFIG_FILE names files when --config-file does not', () => {
    const files = { '/e.json': '{"name":"from-e"}', '/f.json': '{"name":"from-f"}' };
    assert.equal(
      load({ files, configFiles: [], env: { HEARSAY_CONFIG_FILE: '/e.json' } }).config.nodeName,
      'from-e',
    );
    assert.equal(
      load({ files, configFiles: ['/f.json'], env: { HEARSAY_CONFIG_FILE: '/e.json' } }).config
        .nodeName,
      'from-f',
    );
  });

  it('--dev fills what no source gives; any source beats it', () => {
    const dev = load({ flags: { dev: true } }).config;
    assert.deepEqual(dev.bind, { host: '127.0.0.1', port: 7946 });
    assert.equal(dev.profile, 'local');
    assert.equal(dev.logLevel, 'debug');
    assert.equal(dev.dataDir, null);
    assert.equal(dev.dev, true);
    const mixed = load({ env: { HEARSAY_DEV: '1', HEARSAY_BIND: '127.0.0.1:0' } }).config;
    assert.deepEqual(mixed.bind, { host: '127.0.0.1', port: 0 });
    assert.equal(mixed.profile, DEV_PRESET.profile);
  });

  it('unknown HEARSAY_* variables are warnings, not errors', () => {
    const { warnings } = load({ env: { HEARSAY_BIDN: 'x', OTHER: 'y' } });
    assert.deepEqual(warnings, ['HEARSAY_BIDN is set but is not a setting of the agent; ignored']);
  });

  it('errors name the field as each source spells it', () => {
    refused(() => load({ flags: { bind: 'nope' } }), '--bind', /must be IPV4:PORT/);
    refused(() => load({ env: { HEARSAY_BIND: 'nope' } }), 'HEARSAY_BIND', /must be IPV4:PORT/);
    refused(
      () => load({ files: { '/g.json': '{"bind":"nope"}' } }),
      '"bind" in /g.json',
      /must be IPV4:PORT/,
    );
    refused(
      () => load({ files: { '/g.json': '{"bnid":"x"}' } }),
      '"bnid" in /g.json',
      /not a setting/,
    );
    refused(
      () => load({ files: { '/g.json': '{"bind": ' } }),
      '--config-file',
      /\/g\.json, which is not valid JSON/,
    );
    refused(
      () => load({ files: { '/g.json': '[1]' } }),
      '--config-file',
      /JSON object of settings/,
    );
    refused(
      () => load({ configFiles: ['/missing.json'] }),
      '--config-file',
      /missing\.json, which cannot be read \(ENOENT\)/,
    );
    refused(
      () => load({ files: { '/g.json': '{"log-json":"yes"}' } }),
      '"log-json" in /g.json',
      /true or false/,
    );
    refused(
      () => load({ files: { '/g.json': '{"bind":{"a":1}}' } }),
      '"bind" in /g.json',
      /must be IPV4:PORT/,
    );
    refused(
      () => load({ files: { '/g.json': '{"config-file":"x"}' } }),
      '"config-file" in /g.json',
      /not allowed/,
    );
    refused(
      () => load({ env: { HEARSAY_LOG_JSON: 'maybe' } }),
      'HEARSAY_LOG_JSON',
      /one of 1, true/,
    );
    refused(() => load({ env: { HEARSAY_JOIN: '["a"' } }), 'HEARSAY_JOIN', /JSON array of strings/);
    refused(
      () => load({ env: { HEARSAY_CONFIG_FILE: '/nope.json' }, configFiles: [] }),
      'HEARSAY_CONFIG_FILE',
      /cannot be read/,
    );
    // A cross-setting check names the setting where it came from.
    refused(
      () =>
        load({
          env: { HEARSAY_BIND: '127.0.0.1:7000' },
          files: { '/h.json': '{"http":"127.0.0.1:7000"}' },
        }),
      '"http" in /h.json',
      /must not share port 7000/,
    );
    // The --dev preset is named when its value is the bad one.
    refused(
      () => load({ flags: { dev: true, http: '127.0.0.1:7946' } }),
      '--http',
      /share port 7946/,
    );
  });

  it('every setting has its variable', () => {
    assert.equal(envName('log-level'), 'HEARSAY_LOG_LEVEL');
    assert.equal(envName('user-coalesce-period'), 'HEARSAY_USER_COALESCE_PERIOD');
  });
});

describe('config errors through the CLI: exit 2, one line naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function usage(args: string[]): Promise<string> {
    const io = memoryIo();
    assert.equal(await run(['agent', ...args], io), 2, io.err.join(''));
    assert.equal(io.out.join(''), '');
    const err = io.err.join('');
    assert.equal(err.split('\n').length, 2, err);
    return err.trimEnd();
  }

  it('a file with an unknown key, bad JSON, a bad value', async () => {
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, '{"bnid": "127.0.0.1:0"}');
    assert.match(
      await usage(['--config-file', unknown]),
      /^hearsay: "bnid" in .*unknown\.json is not a setting of the agent/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"bind": "127.0.0.1:0",}');
    assert.match(
      await usage(['--config-file', broken]),
      /^hearsay: --config-file names .*broken\.json, which is not valid JSON/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"handler-timeout": "forever"}');
    assert.match(
      await usage(['--config-file', bad]),
      /^hearsay: "handler-timeout" in .*bad\.json must be a duration like 30s or 5m, from 1ms to 3600s, got "forever"$/,
    );
  });

  it('an environment variable, in a real process', () => {
    const r = spawnSync(process.execPath, [BIN, 'agent'], {
      env: { ...process.env, HEARSAY_BIND: '127.0.0.1', HEARSAY_HTTP: '127.0.0.1:0' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^hearsay: HEARSAY_BIND must be IPV4:PORT with PORT in \[0, 65535\].*got "127\.0\.0\.1"\n$/,
    );
  });
});
