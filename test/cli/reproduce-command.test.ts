/** `hearsay sim reproduce NAME`: dispatch to the registry, option passing, unknown names. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { findReproduction, registerReproduceCommand } from '../../src/cli/reproduce-command.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

describe('hearsay sim reproduce', () => {
  it('passes --seeds and --quick to the reproduction and prints its text or JSON', async () => {
    const calls: unknown[] = [];
    const table = {
      stub: {
        describe: 'a stub',
        run(opts: { seeds?: number; quick?: boolean }) {
          calls.push({ seeds: opts.seeds, quick: opts.quick });
          return { text: 'the table', json: { rows: [1, 2] } };
        },
      },
    };
    for (const [args, expectedOut] of [
      [['stub', '--seeds', '3', '--quick'], 'the table\n'],
      [['stub', '--json'], '{\n  "rows": [\n    1,\n    2\n  ]\n}\n'],
    ] as const) {
      const io = memoryIo();
      const sim = new Command('sim').exitOverride();
      registerReproduceCommand(sim, io, table);
      await sim.parseAsync(['reproduce', ...args], { from: 'user' });
      assert.equal(io.out.join(''), expectedOut);
    }
    assert.deepEqual(calls, [
      { seeds: 3, quick: true },
      { seeds: undefined, quick: false },
    ]);
  });

  it('an unknown name is a usage error listing the known names', async () => {
    assert.throws(
      () => findReproduction({ b: {} as never, a: {} as never }, 'c'),
      (e: unknown) => e instanceof UsageError && /known: a, b$/.test(e.line()),
    );
    const io = memoryIo();
    assert.equal(await run(['sim', 'reproduce', 'nope'], io), 2);
    const err = io.err.join('');
    assert.equal(err.split('\n').length, 2, err);
    assert.match(err, /^hearsay: reproduce has no experiment "nope"; known: .*demers.*rounds/);
  });

  it('runs a real reproduction (demers, quick, one seed) as JSON', async () => {
    const io = memoryIo();
    const code = await run(['sim', 'reproduce', 'demers', '--quick', '--seeds', '1', '--json'], io);
    assert.equal(code, 0, io.err.join(''));
    const json = JSON.parse(io.out.join('')) as unknown;
    assert.ok(json !== null && typeof json === 'object');
  });
});
