/**
 * Node process flags: one table feeds both front ends; bad values fail before any socket
 * is bound, with HEARSAY_ERR_CLI_USAGE naming the flag (and the config field behind it).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerNodeCommand } from '../../src/cli/node-command.ts';
import { isRemoteError } from '../../src/core/errors.ts';
import { NODE_FLAGS, parseNodeArgv } from '../../src/net/node-main.ts';

test('flags map to options; unset protocol fields are left to the config defaults', () => {
  const o = parseNodeArgv([
    '--bind',
    '127.0.0.1:0',
    '--peer',
    '127.0.0.1:5',
    '--peer',
    '127.0.0.1:6',
    '--protocol',
    'rumor',
    '--variant',
    'feedback-counter',
    '--k',
    '2',
    '--fanout',
    'adaptive',
    '--period-ms',
    '12.5',
    '--seed',
    '9',
    '--control',
  ]);
  assert.deepEqual(o, {
    bind: { host: '127.0.0.1', port: 0 },
    peers: ['127.0.0.1:5', '127.0.0.1:6'],
    config: {
      protocol: 'rumor',
      variant: 'feedback-counter',
      k: 2,
      fanout: 'adaptive',
      periodMs: 12.5,
    },
    seed: 9,
    control: true,
  });
  assert.deepEqual(parseNodeArgv([]), {
    bind: { host: '127.0.0.1', port: 7946 },
    peers: [],
    config: {},
    seed: undefined,
    control: false,
  });
});

const BAD: readonly [string[], RegExp][] = [
  [['--bind', 'localhost:1'], /^--bind: expected IPV4:PORT/],
  [['--peer', '1.2.3.4:0'], /^--peer: port must be/],
  [['--protocol', 'smoke'], /^--protocol: protocol: must be one of/],
  [['--variant', 'x'], /^--variant: variant: must be one of/],
  [['--k', '0'], /^--k: must be an integer >= 1/],
  [['--fanout', 'two'], /^--fanout: must be an integer >= 1/],
  [['--period-ms', '0'], /^--period-ms: must be a number of milliseconds > 0/],
  [['--period-ms', 'Infinity'], /^--period-ms: must be a number/],
  [['--seed=-1'], /^--seed: must be an integer >= 0/],
  [['--seed', '1.5'], /^--seed: must be an integer/],
  [['--colour'], /Unknown option '--colour'/],
];

for (const [argv, message] of BAD) {
  test(`refused: ${argv.join(' ')}`, () => {
    assert.throws(
      () => parseNodeArgv(argv),
      (err) =>
        isRemoteError(err) && err.code === 'HEARSAY_ERR_CLI_USAGE' && message.test(err.message),
    );
  });
}

test('hearsay node declares every flag of the table to commander', () => {
  const program = new Command('hearsay');
  const cmd = registerNodeCommand(program);
  assert.equal(cmd.name(), 'node');
  assert.deepEqual(
    cmd.options.map((o) => o.long),
    NODE_FLAGS.map((f) => `--${f.name}`),
  );
  cmd.parseOptions(['--peer', '127.0.0.1:5', '--peer', '127.0.0.1:6', '--period-ms', '40']);
  assert.deepEqual(cmd.opts(), { peer: ['127.0.0.1:5', '127.0.0.1:6'], periodMs: '40' });
});
