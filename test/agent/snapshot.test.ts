/**
 * The data directory: the snapshot's round trip, every way a file can be unusable (moved
 * aside with a reason, never thrown), the rejoin rules (none after a leave unless asked, at
 * most REJOIN_SEEDS_MAX, not ourselves), the writer (rewrites only on change, atomically,
 * marks a leave), and the one-agent-per-directory lock (a live owner refuses, a stale one
 * is taken over).
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirInUse, LOCK_FILE, lockDataDir } from '../../src/agent/data-dir.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  REJOIN_SEEDS_MAX,
  readSnapshot,
  rejoinSeeds,
  SNAPSHOT_BYTES_MAX,
  type Snapshot,
  Snapshotter,
  snapshotPath,
  writeSnapshot,
} from '../../src/agent/snapshot.ts';
import { until } from '../net/until.ts';
import { FakeCluster, member, sinkLogger } from './fake-cluster.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearsay-snap-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SNAP: Snapshot = {
  node: 'web-1',
  savedAt: '2025-01-01T00:00:00.000Z',
  left: false,
  clocks: { member: 12n, event: 18446744073709551615n, query: 3n },
  members: [
    { name: 'web-2', addr: '10.0.0.2', port: 7946 },
    { name: 'web-3', addr: '10.0.0.3', port: 7947 },
  ],
};

describe('snapshot file', () => {
  it('round-trips, uint64 clocks as decimal strings', async () => {
    const dir = tempDir();
    await writeSnapshot(dir, SNAP);
    const text = readFileSync(snapshotPath(dir), 'utf8');
    assert.match(text, /"event": "18446744073709551615"/);
    assert.deepEqual(decodeSnapshot(text), SNAP);
    assert.deepEqual(await readSnapshot(dir), { kind: 'ok', snapshot: SNAP });
    assert.ok(!existsSync(`${snapshotPath(dir)}.tmp`), 'the temporary file was renamed');
  });

  it('no file: a new node', async () => {
    assert.deepEqual(await readSnapshot(tempDir()), { kind: 'none' });
  });

  const good = JSON.parse(encodeSnapshot(SNAP)) as Record<string, unknown>;
  const corrupt: [string, string, RegExp][] = [
    ['truncated', encodeSnapshot(SNAP).slice(0, 40), /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['another format', JSON.stringify({ ...good, format: 'x' }), /format/],
    ['a later version', JSON.stringify({ ...good, version: 2 }), /version 2/],
    [
      'a negative clock',
      JSON.stringify({ ...good, clocks: { member: '-1', event: '1', query: '1' } }),
      /clocks.member/,
    ],
    [
      'a clock over uint64',
      JSON.stringify({
        ...good,
        clocks: { member: '1', event: '18446744073709551616', query: '1' },
      }),
      /clocks.event/,
    ],
    [
      'a member without a port',
      JSON.stringify({ ...good, members: [{ name: 'a', addr: '10.0.0.1' }] }),
      /members\[0\]/,
    ],
    [
      'a member with a host name',
      JSON.stringify({ ...good, members: [{ name: 'a', addr: 'db.local', port: 1 }] }),
      /members\[0\]/,
    ],
    ['left not a boolean', JSON.stringify({ ...good, left: 'yes' }), /left/],
  ];
  for (const [what, text, reason] of corrupt) {
    it(`${what}: ignored with the reason, moved aside`, async () => {
      const dir = tempDir();
      writeFileSync(snapshotPath(dir), text);
      const read = await readSnapshot(dir);
      assert.equal(read.kind, 'corrupt');
      assert.match((read as { reason: string }).reason, reason);
      assert.match((read as { reason: string }).reason, /moved to snapshot\.json\.corrupt/);
      assert.ok(existsSync(`${snapshotPath(dir)}.corrupt`));
      assert.deepEqual(await readSnapshot(dir), { kind: 'none' });
    });
  }

  it('over the size bound: not parsed', async () => {
    const dir = tempDir();
    writeFileSync(snapshotPath(dir), ' '.repeat(SNAPSHOT_BYTES_MAX + 1));
    const read = await readSnapshot(dir);
    assert.equal(read.kind, 'corrupt');
    assert.match((read as { reason: string }).reason, /over 1048576/);
  });
});

describe('rejoin seeds', () => {
  it('the members but ourselves; none after a leave unless --rejoin; at most the bound', () => {
    const withSelf = {
      ...SNAP,
      members: [...SNAP.members, { name: 'web-1', addr: '10.0.0.1', port: 1 }],
    };
    assert.deepEqual(rejoinSeeds(withSelf, 'web-1', false), [
      { host: '10.0.0.2', port: 7946 },
      { host: '10.0.0.3', port: 7947 },
    ]);
    assert.deepEqual(rejoinSeeds({ ...SNAP, left: true }, 'web-1', false), []);
    assert.equal(rejoinSeeds({ ...SNAP, left: true }, 'web-1', true).length, 2);
    const many = Array.from({ length: 40 }, (_, i) => ({
      name: `m${i}`,
      addr: '10.0.0.9',
      port: 1000 + i,
    }));
    assert.equal(rejoinSeeds({ ...SNAP, members: many }, 'web-1', false).length, REJOIN_SEEDS_MAX);
  });
});

describe('snapshotter', () => {
  it('writes the members alive, rewrites on change only, marks a leave', async () => {
    const dir = tempDir();
    const cluster = new FakeCluster(member('self', 1), [
      member('b', 2),
      member('gone', 3, 'failed'),
      member('a', 4, 'suspect'),
    ]);
    const { logger } = sinkLogger('self');
    const s = new Snapshotter(dir, cluster, logger, 20);
    await s.save();
    const first = (await readSnapshot(dir)) as { snapshot: Snapshot };
    assert.deepEqual(
      first.snapshot.members.map((m) => m.name),
      ['a', 'b'],
      'sorted; failed members are not rejoined',
    );
    assert.equal(first.snapshot.left, false);
    assert.deepEqual(
      first.snapshot.clocks,
      { member: 0n, event: 0n, query: 0n },
      'no clocks on a fake',
    );
    const savedAt = first.snapshot.savedAt;
    await s.save();
    assert.equal(
      ((await readSnapshot(dir)) as { snapshot: Snapshot }).snapshot.savedAt,
      savedAt,
      'unchanged: not rewritten',
    );
    cluster.membersList.push(member('c', 5));
    await until(
      () => readFileSync(snapshotPath(dir), 'utf8').includes('"c"'),
      5_000,
      'the timer rewrites it',
    );
    await s.markLeft();
    assert.equal(((await readSnapshot(dir)) as { snapshot: Snapshot }).snapshot.left, true);
    await s.close();
  });

  it('a directory it cannot write: one warning, no throw', async () => {
    const dir = join(tempDir(), 'missing', 'deeper');
    const { sink, logger } = sinkLogger('self');
    const s = new Snapshotter(dir, new FakeCluster(member('self', 1)), logger, 60_000);
    await s.save();
    await s.close();
    assert.equal(sink.lines.filter((l) => l.includes('cannot write the snapshot')).length, 1);
  });
});

describe('data dir lock', () => {
  it('one agent per directory; a stale lock is taken over', async () => {
    const dir = join(tempDir(), 'data');
    const unlock = await lockDataDir(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    await unlock();
    assert.ok(!existsSync(join(dir, LOCK_FILE)));

    // A live process holds it: refused, naming it.
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, LOCK_FILE), `${holder.pid}\n`);
      await assert.rejects(lockDataDir(dir), (e: unknown) => {
        assert.ok(e instanceof DataDirInUse);
        assert.match(e.message, new RegExp(`PID ${holder.pid}`));
        return true;
      });
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    // The holder is gone: its lock is stale.
    const again = await lockDataDir(dir);
    await again();
  });
});
