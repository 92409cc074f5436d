/**
 * The event benchmark's pure parts (bench/agent/handler-log.ts): the handler script run for
 * real by /bin/sh the way both agents run it (environment and payload on stdin, with and
 * without the trailing newline), parsing its log, matching lines to sent events (misses,
 * duplicates, the deadline), the nearest-rank percentile and the summary.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  allHandled,
  eventId,
  eventOutcomes,
  handlerScript,
  latencySummary,
  nanosecondsToMs,
  parseHandlerLog,
  percentile,
  type SentEvent,
} from '../../../bench/agent/handler-log.ts';

describe('handler script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-handler-log-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('appends NODE PAYLOAD NANOSECONDS, payload with or without a newline', () => {
    const logPath = join(dir, 'handled.log');
    const scriptPath = join(dir, 'handler.sh');
    writeFileSync(logPath, '');
    writeFileSync(scriptPath, handlerScript(logPath));
    chmodSync(scriptPath, 0o755);
    const beforeMs = Date.now();
    for (const [node, stdin] of [
      ['a', 't0-e0\n'],
      ['b', 't0-e0'],
    ] as const) {
      const r = spawnSync('/bin/sh', ['-c', scriptPath], {
        input: stdin,
        env: { PATH: process.env.PATH, SERF_SELF_NAME: node, SERF_EVENT: 'user' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    }
    const parsed = parseHandlerLog(readFileSync(logPath, 'utf8'));
    assert.equal(parsed.malformed, 0);
    assert.deepEqual(
      parsed.lines.map((l) => [l.node, l.id]),
      [
        ['a', 't0-e0'],
        ['b', 't0-e0'],
      ],
    );
    // The same wall clock as Date.now(): not a timing assertion, a unit check (ns vs ms).
    for (const l of parsed.lines) assert.ok(Math.abs(l.atMs - beforeMs) < 3_600_000, `${l.atMs}`);
  });

  it('refuses a log path the script cannot quote', () => {
    assert.throws(() => handlerScript("/tmp/it's.log"));
  });
});

describe('parseHandlerLog', () => {
  it('reads nanoseconds exactly and counts malformed lines', () => {
    const text = [
      'n1 t0-e0 1700000000123456789',
      'n2 t0-e0 1700000000999000000',
      'torn line',
      'n3 t0-e0 notanumber',
      'n4 bad"id 1700000000123456789',
      '',
    ].join('\n');
    const parsed = parseHandlerLog(text);
    assert.equal(parsed.malformed, 3);
    assert.equal(parsed.lines.length, 2);
    assert.equal(parsed.lines[0]!.atMs, 1_700_000_000_123.456_8);
    assert.equal(parsed.lines[1]!.atMs, 1_700_000_000_999);
  });

  it('nanosecondsToMs refuses what is not a nanosecond count', () => {
    assert.ok(Number.isNaN(nanosecondsToMs('123')));
    assert.ok(Number.isNaN(nanosecondsToMs('-1700000000000000000')));
    assert.equal(nanosecondsToMs('1700000000000000000'), 1_700_000_000_000);
  });

  it('eventId accepts the benchmark ids and refuses spaces', () => {
    assert.equal(eventId('t12-e3'), 't12-e3');
    assert.throws(() => eventId('a b'));
    assert.throws(() => eventId(''));
  });
});

describe('eventOutcomes', () => {
  const sent: SentEvent[] = [
    { id: 'e0', sender: 'a', sentAtMs: 1000 },
    { id: 'e1', sender: 'a', sentAtMs: 2000 },
    { id: 'e2', sender: 'a', sentAtMs: 3000, sendError: 'refused' },
  ];
  const line = (node: string, id: string, atMs: number) => ({ node, id, atMs });

  it('latency is the last agent minus the send, only when all ran it', () => {
    const lines = [
      line('a', 'e0', 1010),
      line('b', 'e0', 1300),
      line('c', 'e0', 1500),
      line('a', 'e1', 2005),
      line('b', 'e1', 2400),
    ];
    const [e0, e1, e2] = eventOutcomes(sent, lines, 3);
    assert.deepEqual(
      { handledBy: e0!.handledBy, latencyMs: e0!.latencyMs, firstMs: e0!.firstMs },
      { handledBy: 3, latencyMs: 500, firstMs: 10 },
    );
    assert.equal(e1!.handledBy, 2);
    assert.equal(e1!.latencyMs, null);
    assert.equal(e2!.sendError, 'refused');
    assert.equal(allHandled([e0!, e2!]), true);
    assert.equal(allHandled([e0!, e1!]), false);
  });

  it('a duplicate run counts once, at its first time', () => {
    const lines = [line('a', 'e0', 1010), line('b', 'e0', 1100), line('b', 'e0', 9000)];
    const [e0] = eventOutcomes(sent.slice(0, 1), lines, 2);
    assert.equal(e0!.latencyMs, 100);
    assert.equal(e0!.duplicates, 1);
  });

  it('a run after the deadline is a miss', () => {
    const lines = [line('a', 'e0', 1010), line('b', 'e0', 1000 + 30_001)];
    const [late] = eventOutcomes(sent.slice(0, 1), lines, 2, 30_000);
    assert.equal(late!.latencyMs, null);
    assert.equal(late!.handledBy, 1);
    const [inTime] = eventOutcomes(sent.slice(0, 1), lines, 2, 31_000);
    assert.equal(inTime!.latencyMs, 30_001);
  });
});

describe('percentile and latencySummary', () => {
  it('nearest rank: an observed value', () => {
    const xs = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    assert.equal(percentile(xs, 95), 190);
    assert.equal(percentile(xs, 100), 200);
    assert.equal(percentile(xs, 50), 100);
    assert.equal(percentile([7], 95), 7);
    assert.ok(Number.isNaN(percentile([], 95)));
    assert.throws(() => percentile(xs, 0));
  });

  it('summarises complete events and counts misses and send errors apart', () => {
    const outcome = (latencyMs: number | null, sendError?: string) => ({
      id: 'x',
      sender: 'a',
      handledBy: latencyMs === null ? 1 : 3,
      duplicates: 0,
      latencyMs,
      firstMs: sendError === undefined ? 1 : null,
      ...(sendError === undefined ? {} : { sendError }),
    });
    const s = latencySummary([
      outcome(100),
      outcome(300),
      outcome(200),
      outcome(null),
      outcome(null, 'refused'),
    ]);
    assert.deepEqual(s, {
      events: 5,
      complete: 3,
      misses: 1,
      sendErrors: 1,
      duplicates: 0,
      medianMs: 200,
      p95Ms: 300,
      maxMs: 300,
      firstMedianMs: 1,
    });
    assert.equal(latencySummary([]).medianMs, null);
  });
});
