/**
 * `hearsay agent` flag validation through the real CLI (in-process `run`): every flag with a
 * bad value, a missing value and an unknown flag each end in exactly one stderr line naming
 * the flag, nothing on stdout, exit 2 — before any socket is bound.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_SETTINGS } from '../../src/agent/config.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';

async function usage(args: string[]): Promise<string> {
  const io = memoryIo();
  const code = await run(['agent', ...args], io);
  assert.equal(code, 2, `exit code for ${args.join(' ')}: ${io.err.join('')}`);
  assert.equal(io.out.join(''), '', 'nothing on stdout');
  const err = io.err.join('');
  assert.equal(err.split('\n').length, 2, `one line: ${JSON.stringify(err)}`);
  return err.trimEnd();
}

/** A bad value for every flag that takes one. */
const BAD: Record<string, [string, RegExp]> = {
  name: ['two words', /^hearsay: --name must be a name of 1 to 128 bytes .*, got "two words"$/],
  bind: ['127.0.0.1', /^hearsay: --bind must be IPV4:PORT with PORT in \[0, 65535\]/],
  advertise: [
    '0.0.0.0:7946',
    /^hearsay: --advertise must be IPV4 or IPV4:PORT, a specific address/,
  ],
  join: ['127.0.0.1:0', /^hearsay: --join must be IPV4:PORT with PORT in \[1, 65535\]/],
  tag: ['novalue', /^hearsay: --tag must be KEY=VALUE with a non-empty KEY, got "novalue"$/],
  encrypt: ['AAAA', /^hearsay: --encrypt must be a base64 AES key of 16, 24 or 32 bytes/],
  profile: ['fast', /^hearsay: --profile must be one of lan, wan, local, got "fast"$/],
  http: ['localhost:8080', /^hearsay: --http must be IPV4:PORT with PORT in \[0, 65535\]/],
  'http-token': [
    'short',
    /^hearsay: --http-token must be 16 to 512 visible ASCII .*got 5 characters/,
  ],
  'log-level': [
    'loud',
    /^hearsay: --log-level must be one of trace, debug, info, warn, error, got "loud"$/,
  ],
  'data-dir': ['', /^hearsay: --data-dir must be a directory path of 1 to 4096 characters/],
  'event-handler': [
    'deploy=./x.sh',
    /^hearsay: --event-handler must be \[FILTER=\]SCRIPT .* has the filter "deploy", which is not an event type/,
  ],
  'retry-join': ['10.0.0.1', /^hearsay: --retry-join must be IPV4:PORT with PORT in \[1, 65535\]/],
  'retry-interval': [
    '5ms',
    /^hearsay: --retry-interval must be a duration like 5s or 1m, from 10ms to 24h, got "5ms"$/,
  ],
  'retry-max': ['many', /^hearsay: --retry-max must be an integer in \[0, 1000000\], got "many"$/],
  'handler-timeout': ['10', /^hearsay: --handler-timeout must be a duration like 30s or 5m/],
  'handler-concurrency': [
    '0',
    /^hearsay: --handler-concurrency must be an integer in \[1, 64\], got "0"$/,
  ],
  'coalesce-period': ['3 s', /^hearsay: --coalesce-period must be a duration like 500ms, 3s or 2m/],
  'quiescent-period': ['-1s', /^hearsay: --quiescent-period must be a duration/],
  'user-coalesce-period': ['1d', /^hearsay: --user-coalesce-period must be a duration/],
  'user-quiescent-period': [
    '11m',
    /^hearsay: --user-quiescent-period must be a duration .* to 600s/,
  ],
};

describe('hearsay agent flags', () => {
  it('the table of bad values covers every flag that takes a value', () => {
    const valued = AGENT_SETTINGS.filter((s) => s.value !== null).map((s) => s.name);
    assert.deepEqual(Object.keys(BAD).sort(), valued.sort());
  });

  for (const [flag, [value, message]] of Object.entries(BAD)) {
    it(`--${flag} ${JSON.stringify(value)}: exit 2, one line naming --${flag}`, async () => {
      assert.match(await usage([`--${flag}`, value]), message);
    });
    it(`--${flag} without a value: exit 2, says what it accepts`, async () => {
      const line = await usage([`--${flag}`]);
      const accepts = AGENT_SETTINGS.find((s) => s.name === flag)!.accepts;
      assert.equal(line, `hearsay: --${flag} needs a value: ${accepts}`);
    });
  }

  it('a bad value among good ones is still named', async () => {
    assert.match(
      await usage(['--name', 'a', '--join', '127.0.0.1:7001', '--join', 'nope', '--tag', 'x=1']),
      /^hearsay: --join must be .*got "nope"$/,
    );
  });

  it('a repeated tag key, and the tag size limit', async () => {
    assert.match(
      await usage(['--tag', 'a=1', '--tag', 'a=2']),
      /^hearsay: --tag gives the tag "a" twice$/,
    );
    assert.match(
      await usage(['--tag', `a=${'x'.repeat(300)}`, '--tag', `b=${'y'.repeat(300)}`]),
      /^hearsay: --tag tags encode to \d+ bytes, over memberlist's 512-byte meta limit$/,
    );
  });

  it('--log-json takes no value: a following word is an excess argument', async () => {
    assert.match(await usage(['--log-json', 'yes']), /^hearsay: agent takes no further arguments/);
  });

  it('an unknown flag, with a suggestion', async () => {
    assert.match(
      await usage(['--profil', 'lan']),
      /^hearsay: --profil is not a flag of "hearsay agent" \(did you mean --profile\?\); see hearsay agent --help$/,
    );
  });

  it('--help lists every flag', async () => {
    const io = memoryIo();
    assert.equal(await run(['agent', '--help'], io), 0);
    const help = io.out.join('');
    for (const s of AGENT_SETTINGS) {
      assert.ok(help.includes(`--${s.name}`), s.name);
    }
    // Help text wraps, so count the defaults rather than match them whole.
    // Every setting, and --config-file.
    assert.ok(help.includes('--config-file'));
    assert.equal(help.match(/\[default:/g)?.length, AGENT_SETTINGS.length + 1);
  });
});
