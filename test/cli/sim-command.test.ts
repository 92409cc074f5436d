/**
 * `hearsay sim` end to end, in-process through `run`: the real engine on small runs.
 * Seeds are fixed; the same seed must give the same trace hash.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import type { DisseminationResult } from '../../src/sim/types.ts';

async function simJson(args: string[]): Promise<DisseminationResult> {
  const io = memoryIo();
  const code = await run(['sim', ...args, '--json'], io);
  assert.equal(code, 0, io.err.join(''));
  return JSON.parse(io.out.join('')) as DisseminationResult;
}

describe('hearsay sim', () => {
  it('--json prints only the result object', async () => {
    const r = await simJson(['--nodes', '1000', '--seed', '7']);
    assert.equal(r.seed, 7);
    assert.equal(r.nodes, 1000);
    assert.equal(r.protocol, 'push-pull');
    assert.equal(r.mode, 'rounds');
    assert.equal(r.coverage, 1, 'push-pull informs every node');
    assert.equal(r.residue, 0);
    assert.equal(typeof r.roundsToFull, 'number');
    assert.equal(typeof r.timeToFullMs, 'number');
    assert.ok(r.messagesPerNode > 0);
    assert.match(r.traceHash, /^[0-9a-f]+$/);
    assert.ok(r.timeline.length > 1);
  });

  it('the same seed gives the same trace hash; another seed another', async () => {
    const args = ['--nodes', '500', '--protocol', 'rumor', '--loss', '0.05'];
    const a = await simJson([...args, '--seed', '11']);
    const b = await simJson([...args, '--seed', '11']);
    const c = await simJson([...args, '--seed', '12']);
    assert.equal(a.traceHash, b.traceHash);
    assert.deepEqual(a.timeline, b.timeline);
    assert.notEqual(a.traceHash, c.traceHash);
  });

  it('text output: the SEED= parameter line first, then the summary table', async () => {
    const io = memoryIo();
    const code = await run(['sim', '--nodes', '300', '--seed', '3', '--protocol', 'push'], io);
    assert.equal(code, 0);
    const lines = io.out.join('').split('\n');
    assert.match(lines[0]!, /^SEED=3 nodes=300 protocol=push /);
    for (const key of ['loss=', 'latency=', 'mode=rounds', 'fanout=1', 'partition=none']) {
      assert.ok(lines[0]!.includes(key), key);
    }
    const text = lines.join('\n');
    for (const label of [
      'coverage',
      'to 50% coverage',
      'to 99% coverage',
      'to 100% coverage',
      'messages per node',
      'bytes per node',
      'redundancy',
      'residue',
      't_ave / t_last',
      'deliveries',
      'wall time',
      'trace hash',
      'messages by type',
      'drops by reason',
    ]) {
      assert.match(text, new RegExp(`^${label.replace('/', '\\/')}\\s{2,}\\S`, 'm'), label);
    }
    assert.deepEqual(io.err, [], 'no progress bar on a non-TTY');
  });

  it('events mode with faults runs and reports drops', async () => {
    const r = await simJson([
      '--nodes',
      '400',
      '--mode',
      'events',
      '--latency',
      'lognormal:20:0.5',
      '--loss',
      '0.1',
      '--partition',
      '0:2000:0.3',
      '--crash',
      '500:never:0.1',
      '--duration-ms',
      '20000',
    ]);
    assert.equal(r.mode, 'events');
    assert.ok(r.coverage > 0);
    assert.ok(Object.values(r.droppedByReason).reduce((a, b) => a + b, 0) > 0);
  });

  it('--out writes the report: JSON, three SVG charts with one line per protocol, HTML, Markdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearsay-report-'));
    try {
      const io = memoryIo();
      const code = await run(
        ['sim', '--nodes', '1000', '--seed', '5', '--out', dir, '--quiet'],
        io,
      );
      assert.equal(code, 0, io.err.join(''));
      const files = (await readdir(dir)).sort();
      assert.deepEqual(files, [
        'README.md',
        'coverage.svg',
        'experiment.json',
        'index.html',
        'messages.svg',
        'result.json',
        'sir.svg',
      ]);
      const result = JSON.parse(
        await readFile(join(dir, 'result.json'), 'utf8'),
      ) as DisseminationResult;
      assert.equal(result.seed, 5);
      assert.equal(result.nodes, 1000);
      const coverage = await readFile(join(dir, 'coverage.svg'), 'utf8');
      assert.ok(coverage.startsWith('<svg'));
      for (const protocol of ['push', 'pull', 'push-pull', 'rumor']) {
        assert.ok(coverage.includes(`>${protocol}</text>`), protocol);
      }
      const sir = await readFile(join(dir, 'sir.svg'), 'utf8');
      for (const state of ['susceptible', 'infected', 'removed']) {
        assert.ok(sir.includes(`>${state}</text>`), state);
      }
      assert.ok((await readFile(join(dir, 'messages.svg'), 'utf8')).startsWith('<svg'));
      const html = await readFile(join(dir, 'index.html'), 'utf8');
      assert.ok(html.includes('<img src="coverage.svg"'));
      assert.ok(html.includes('SEED=5 nodes=1000'));
      const md = await readFile(join(dir, 'README.md'), 'utf8');
      assert.ok(md.includes('![') && md.includes('(sir.svg)'));
      assert.ok(md.includes('| push-pull |'));
      assert.match(io.out.join(''), /report: .*index\.html/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a report directory that cannot be created fails with one line and exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearsay-report-'));
    try {
      const file = join(dir, 'not-a-directory');
      await writeFile(file, '');
      const io = memoryIo();
      const code = await run(
        ['sim', '--nodes', '50', '--out', join(file, 'report'), '--quiet'],
        io,
      );
      assert.equal(code, 1);
      const err = io.err.join('');
      assert.equal(err.split('\n').length, 2, err);
      assert.match(err, /^hearsay: cannot write the report to .*not-a-directory/);
      assert.deepEqual(io.out, [], 'fails before the simulation runs');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
