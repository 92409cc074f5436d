/**
 * `hearsay sim` flag parsing: the flag table in isolation (parseSimFlags with fixed
 * defaults, no engine run), and every bad flag through the real commander program, which
 * must answer with exactly one stderr line naming the flag, and exit code 2.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import {
  PERIODS_MAX,
  parseSimFlags,
  type RawSimFlags,
  SIM_FLAGS,
  simFlagAccepts,
} from '../../src/cli/sim-flags.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { experimentFlagPairs } from '../../src/sim/report/params.ts';
import type { DisseminationExperiment } from '../../src/sim/types.ts';

/** Fixed defaults, so these tests do not move when the engine's defaults do. */
const DEFAULTS: DisseminationExperiment = {
  protocol: 'push-pull',
  variant: 'feedback-counter',
  k: 2,
  fanout: 1,
  ttl: Number.POSITIVE_INFINITY,
  nodes: 1000,
  seed: 1,
  mode: 'rounds',
  periodMs: 200,
  network: { latency: { kind: 'constant', ms: 10 }, loss: 0, duplicate: 0, uploadBytesPerSec: 0 },
  partitions: [],
  crashes: [],
  durationMs: 100 * 200,
  antiEntropyPeriodMs: 0,
  messageBudgetPerPeriod: Number.POSITIVE_INFINITY,
};

describe('parseSimFlags: good values', () => {
  it('no flags gives the defaults and plain text output', () => {
    const { experiment, output } = parseSimFlags({}, DEFAULTS);
    assert.deepEqual(experiment, DEFAULTS);
    assert.deepEqual(output, { json: false, outDir: null, quiet: false });
  });

  const cases: Array<[string, RawSimFlags, (e: DisseminationExperiment) => unknown, unknown]> = [
    ['protocol', { protocol: 'rumor' }, (e) => e.protocol, 'rumor'],
    ['variant', { variant: 'blind-coin' }, (e) => e.variant, 'blind-coin'],
    ['k', { k: '4' }, (e) => e.k, 4],
    ['nodes lower bound', { nodes: '2' }, (e) => e.nodes, 2],
    ['nodes upper bound, digit separators', { nodes: '10_000_000' }, (e) => e.nodes, 10_000_000],
    ['nodes in exponent form', { nodes: '1e5' }, (e) => e.nodes, 100_000],
    ['fanout number', { fanout: '3' }, (e) => e.fanout, 3],
    ['fanout adaptive', { fanout: 'adaptive' }, (e) => e.fanout, 'adaptive'],
    ['ttl number', { ttl: '5' }, (e) => e.ttl, 5],
    ['ttl none', { ttl: 'none' }, (e) => e.ttl, Number.POSITIVE_INFINITY],
    ['period', { 'period-ms': '50.5' }, (e) => e.periodMs, 50.5],
    ['loss 0', { loss: '0' }, (e) => e.network.loss, 0],
    ['loss just under 1', { loss: '0.999' }, (e) => e.network.loss, 0.999],
    ['duplicate', { duplicate: '0.01' }, (e) => e.network.duplicate, 0.01],
    [
      'latency constant',
      { latency: 'constant:25' },
      (e) => e.network.latency,
      { kind: 'constant', ms: 25 },
    ],
    [
      'latency uniform',
      { latency: 'uniform:5:15' },
      (e) => e.network.latency,
      { kind: 'uniform', minMs: 5, maxMs: 15 },
    ],
    [
      'latency lognormal',
      { latency: 'lognormal:40:0.5' },
      (e) => e.network.latency,
      { kind: 'lognormal', medianMs: 40, sigma: 0.5 },
    ],
    ['bandwidth', { bandwidth: '125000' }, (e) => e.network.uploadBytesPerSec, 125_000],
    [
      'partitions, repeated',
      { partition: ['1000:5000:0.3', '6000:never:0.1'] },
      (e) => e.partitions,
      [
        { atMs: 1000, healMs: 5000, fraction: 0.3 },
        { atMs: 6000, healMs: Number.POSITIVE_INFINITY, fraction: 0.1 },
      ],
    ],
    [
      'crash that never restarts',
      { crash: ['0:never:0.25'] },
      (e) => e.crashes,
      [{ atMs: 0, restartMs: Number.POSITIVE_INFINITY, fraction: 0.25 }],
    ],
    ['anti-entropy', { 'anti-entropy-ms': '1000' }, (e) => e.antiEntropyPeriodMs, 1000],
    ['budget', { budget: '10' }, (e) => e.messageBudgetPerPeriod, 10],
    [
      'budget unlimited',
      { budget: 'unlimited' },
      (e) => e.messageBudgetPerPeriod,
      Number.POSITIVE_INFINITY,
    ],
    ['seed', { seed: '42' }, (e) => e.seed, 42],
    ['mode', { mode: 'events' }, (e) => e.mode, 'events'],
    ['duration', { 'duration-ms': '5000' }, (e) => e.durationMs, 5000],
    ['rounds times period', { rounds: '30', 'period-ms': '100' }, (e) => e.durationMs, 3000],
    [
      'default run length keeps the default number of periods',
      { 'period-ms': '1000' },
      (e) => e.durationMs,
      100 * 1000,
    ],
  ];
  for (const [name, raw, pick, expected] of cases) {
    it(name, () => {
      assert.deepEqual(pick(parseSimFlags(raw, DEFAULTS).experiment), expected);
    });
  }

  it('output switches', () => {
    const { output } = parseSimFlags({ json: true, quiet: true, out: 'report' }, DEFAULTS);
    assert.deepEqual(output, { json: true, outDir: 'report', quiet: true });
  });

  it('the printed parameters parse back to the same experiment', () => {
    const exp: DisseminationExperiment = {
      ...DEFAULTS,
      protocol: 'rumor',
      variant: 'blind-counter',
      k: 3,
      fanout: 'adaptive',
      ttl: 7,
      mode: 'events',
      network: {
        latency: { kind: 'lognormal', medianMs: 30, sigma: 0.4 },
        loss: 0.05,
        duplicate: 0.01,
        uploadBytesPerSec: 1e6,
      },
      partitions: [{ atMs: 100, healMs: Number.POSITIVE_INFINITY, fraction: 0.2 }],
      crashes: [
        { atMs: 50, restartMs: 500, fraction: 0.1 },
        { atMs: 60, restartMs: Number.POSITIVE_INFINITY, fraction: 0.05 },
      ],
      durationMs: 12_345,
      antiEntropyPeriodMs: 2000,
      messageBudgetPerPeriod: 8,
    };
    const raw: Record<string, string | string[]> = {};
    for (const [flag, value] of experimentFlagPairs(exp)) {
      const row = SIM_FLAGS.find((f) => f.name === flag);
      assert.ok(row, `printed parameter ${flag} is a flag`);
      if (row.repeatable) raw[flag] = [...((raw[flag] as string[] | undefined) ?? []), value];
      else raw[flag] = value;
    }
    assert.deepEqual(parseSimFlags(raw, DEFAULTS).experiment, exp);
  });
});

describe('parseSimFlags: bad values name the flag and the range', () => {
  const cases: Array<[RawSimFlags, string, RegExp]> = [
    [{ protocol: 'gossip' }, '--protocol', /one of push, pull, push-pull, rumor, anti-entropy/],
    [{ variant: 'feedback' }, '--variant', /one of feedback-counter/],
    [{ k: '0' }, '--k', /integer in \[1, 1000\]/],
    [{ nodes: '1' }, '--nodes', /integer in \[2, 10,000,000\], got "1"/],
    [{ nodes: '10000001' }, '--nodes', /integer in \[2, 10,000,000\]/],
    [{ nodes: '12.5' }, '--nodes', /integer/],
    [{ nodes: '0x10' }, '--nodes', /integer/],
    [{ nodes: '' }, '--nodes', /got ""/],
    [{ fanout: 'lots' }, '--fanout', /or "adaptive"/],
    [{ ttl: '0' }, '--ttl', /or "none"/],
    [{ 'period-ms': '0' }, '--period-ms', /number in \(0, /],
    [{ loss: '2' }, '--loss', /must be a number in \[0, 1\), got "2"/],
    [{ loss: '1' }, '--loss', /\[0, 1\)/],
    [{ loss: '-0.1' }, '--loss', /\[0, 1\)/],
    [{ loss: 'NaN' }, '--loss', /\[0, 1\)/],
    [{ duplicate: 'Infinity' }, '--duplicate', /\[0, 1\)/],
    [{ latency: 'fixed:10' }, '--latency', /constant:MS, uniform:MIN:MAX/],
    [{ latency: 'uniform:20:10' }, '--latency', /MIN <= MAX/],
    [{ latency: 'lognormal:0:1' }, '--latency', /MEDIAN > 0/],
    [{ latency: 'constant' }, '--latency', /constant:MS/],
    [{ bandwidth: '-1' }, '--bandwidth', /integer in \[0, /],
    [{ partition: ['100:50:0.5'] }, '--partition', /HEAL_MS > AT_MS/],
    [{ partition: ['100:200:1'] }, '--partition', /FRACTION in \(0, 1\)/],
    [{ partition: ['100:200'] }, '--partition', /AT_MS:HEAL_MS:FRACTION/],
    [{ crash: ['x:never:0.1'] }, '--crash', /AT_MS:RESTART_MS:FRACTION/],
    [{ crash: Array.from({ length: 33 }, () => '1:2:0.1') }, '--crash', /at most 32 times/],
    [{ 'anti-entropy-ms': '-5' }, '--anti-entropy-ms', /number in \[0, 3,600,000\], got "-5"/],
    [{ budget: '0' }, '--budget', /or "unlimited"/],
    [{ seed: '-1' }, '--seed', /integer in \[0, /],
    [{ seed: '1.5' }, '--seed', /integer/],
    [{ mode: 'async' }, '--mode', /one of rounds, events/],
    [{ 'duration-ms': '0' }, '--duration-ms', /number in \(0, /],
    [{ rounds: '0' }, '--rounds', /integer in \[1, /],
    [{ rounds: '5', 'duration-ms': '1000' }, '--rounds', /give only one/],
    [
      { 'duration-ms': String((PERIODS_MAX + 1) * 200) },
      '--duration-ms',
      /at most 1,000,000 periods/,
    ],
    [{ out: ' ' }, '--out', /directory path/],
  ];
  for (const [raw, flag, message] of cases) {
    it(`${flag} ${JSON.stringify(raw).slice(0, 60)}`, () => {
      assert.throws(
        () => parseSimFlags(raw, DEFAULTS),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.equal(e.field, flag);
          assert.equal(e.code, 'HEARSAY_ERR_CLI_USAGE');
          assert.match(e.line(), message);
          assert.ok(e.line().startsWith(`hearsay: ${flag} `), e.line());
          return true;
        },
      );
    });
  }

  it('docs/cli.md documents every flag in its table', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const flag of SIM_FLAGS) {
      const usage = flag.value === null ? `--${flag.name}` : `--${flag.name} ${flag.value}`;
      // Biome pads Markdown table cells, so match the cell with any spacing.
      assert.ok(doc.includes(`| \`${usage}\` `), `docs/cli.md lacks a row for ${usage}`);
    }
  });

  it('every flag says what it accepts', () => {
    for (const flag of SIM_FLAGS) {
      assert.ok(flag.accepts.length > 0, flag.name);
      assert.equal(simFlagAccepts(`--${flag.name}`), flag.accepts);
    }
    assert.equal(simFlagAccepts('--nope'), undefined);
  });
});

describe('hearsay sim: bad command lines end with one stderr line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['sim', '--loss', '2'], /^hearsay: --loss must be a number in \[0, 1\), got "2"$/],
    [
      ['sim', '--bogus'],
      /^hearsay: --bogus is not a flag of "hearsay sim"; see hearsay sim --help$/,
    ],
    [['sim', '--lossy', '0.1'], /^hearsay: --lossy .*did you mean --loss\?/],
    [['sim', '--loss'], /^hearsay: --loss needs a value: a number in \[0, 1\)$/],
    [['sim', '--protocol'], /^hearsay: --protocol needs a value: one of push, pull/],
    [['sim', '--protocol', 'flood'], /^hearsay: --protocol must be one of push, pull, push-pull/],
    [['sim', '--nodes', '1'], /^hearsay: --nodes must be an integer in \[2, 10,000,000\]/],
    [['sim', '--nodes=abc'], /^hearsay: --nodes must be an integer/],
    [['sim', '--seed', '-3'], /^hearsay: --seed must be an integer in \[0, /],
    [['sim', '--partition', '1:2:0.5', '--partition', '9:3:0.5'], /^hearsay: --partition must be/],
    [['sim', 'extra'], /^hearsay: sim takes no further arguments, got "extra"/],
    [
      ['sin'],
      /^hearsay: sin is not a command of "hearsay" \(did you mean sim\?\); see hearsay --help$/,
    ],
    [['simulate'], /^hearsay: simulate is not a command of "hearsay"; see hearsay --help$/],
    [['--bogus'], /^hearsay: --bogus is not a flag of "hearsay"/],
    [['sim', 'reproduce'], /^hearsay: sim reproduce needs the argument NAME$/],
    [
      ['sim', 'reproduce', 'rounds', '--seeds', '0'],
      /^hearsay: --seeds must be an integer in \[1, 1000\]/,
    ],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const io = memoryIo();
      const code = await run(argv, io);
      assert.equal(code, 2);
      assert.deepEqual(io.out, [], 'nothing on stdout');
      const err = io.err.join('');
      assert.ok(err.endsWith('\n'));
      assert.equal(err.split('\n').length, 2, `exactly one line: ${JSON.stringify(err)}`);
      assert.match(err.trimEnd(), message);
    });
  }

  it('--help prints the flags on stdout and exits 0', async () => {
    const io = memoryIo();
    assert.equal(await run(['sim', '--help'], io), 0);
    const help = io.out.join('');
    for (const flag of SIM_FLAGS) assert.ok(help.includes(`--${flag.name}`), flag.name);
    assert.deepEqual(io.err, []);
  });

  it('--version prints the package version and exits 0', async () => {
    const io = memoryIo();
    assert.equal(await run(['--version'], io), 0);
    assert.match(io.out.join(''), /^\d+\.\d+\.\d+\n$/);
  });

  it('no command prints help on stderr and exits 2', async () => {
    const io = memoryIo();
    assert.equal(await run([], io), 2);
    assert.match(io.err.join(''), /Usage: hearsay/);
  });
});
