/**
 * SerfConfig: Serf's defaults, validation naming the field, tags that must fit 512 bytes of
 * meta, and the meta encoding per Serf protocol version.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import { decodeTags } from '../../src/membership/wire/serf/tags.ts';
import { DEFAULT_SERF_CONFIG, serfConfig } from '../../src/serf/config.ts';
import { encodeOwnMeta } from '../../src/serf/tags.ts';

const HOUR_MS = 3_600_000;

test("defaults are Serf's (serf-layer.md §11)", () => {
  const c = serfConfig({ name: 'a' });
  assert.equal(c.protocolVersion, 5);
  assert.equal(c.broadcastTimeoutMs, 5000);
  assert.equal(c.leavePropagateDelayMs, 1000);
  assert.equal(c.reapIntervalMs, 15_000);
  assert.equal(c.reconnectIntervalMs, 30_000);
  assert.equal(c.reconnectTimeoutMs, 24 * HOUR_MS);
  assert.equal(c.tombstoneTimeoutMs, 24 * HOUR_MS);
  assert.equal(c.recentIntentTimeoutMs, 5 * 60_000);
  assert.equal(c.retransmitMult, 4);
  assert.equal(c.broadcastQueueDepthMax, 4096);
  assert.equal(c.coordinatesEnabled, true);
  assert.equal(c.userEventSizeLimitBytes, 512);
  assert.equal(c.eventBufferSlots, 512);
  assert.equal(c.querySizeLimitBytes, 1024);
  assert.equal(c.queryResponseSizeLimitBytes, 1024);
  assert.equal(c.queryBufferSlots, 512);
  assert.equal(c.queryTimeoutMult, 16);
  assert.equal(c.nameConflictResolution, true);
  assert.equal(c.tags.size, 0);
  assert.deepEqual(c.limits, DEFAULT_SERF_LIMITS);
  assert.ok(Object.isFrozen(c));
});

test('every bad field is a ConfigError naming it', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(513) }, 'name'],
    [{ name: 'a', protocolVersion: 1 }, 'protocolVersion'],
    [{ name: 'a', protocolVersion: 6 }, 'protocolVersion'],
    [{ name: 'a', protocolVersion: 4.5 }, 'protocolVersion'],
    [{ name: 'a', broadcastTimeoutMs: 0 }, 'broadcastTimeoutMs'],
    [{ name: 'a', leavePropagateDelayMs: -1 }, 'leavePropagateDelayMs'],
    [{ name: 'a', reapIntervalMs: Number.NaN }, 'reapIntervalMs'],
    [{ name: 'a', reconnectIntervalMs: 0 }, 'reconnectIntervalMs'],
    [{ name: 'a', reconnectTimeoutMs: Number.POSITIVE_INFINITY }, 'reconnectTimeoutMs'],
    [{ name: 'a', tombstoneTimeoutMs: '1' }, 'tombstoneTimeoutMs'],
    [{ name: 'a', recentIntentTimeoutMs: 0 }, 'recentIntentTimeoutMs'],
    [{ name: 'a', recentIntentsMax: 0 }, 'recentIntentsMax'],
    [{ name: 'a', retransmitMult: 0 }, 'retransmitMult'],
    [{ name: 'a', broadcastQueueDepthMax: 1.5 }, 'broadcastQueueDepthMax'],
    [{ name: 'a', coordinatesEnabled: 'yes' }, 'coordinatesEnabled'],
    [{ name: 'a', nameConflictResolution: 1 }, 'nameConflictResolution'],
    [{ name: 'a', userEventSizeLimitBytes: 9 * 1024 + 1 }, 'userEventSizeLimitBytes'],
    [{ name: 'a', eventBufferSlots: 0 }, 'eventBufferSlots'],
    [{ name: 'a', querySizeLimitBytes: 10 }, 'querySizeLimitBytes'],
    [{ name: 'a', queryResponseSizeLimitBytes: 70_000 }, 'queryResponseSizeLimitBytes'],
    [{ name: 'a', queryBufferSlots: -1 }, 'queryBufferSlots'],
    [{ name: 'a', queryTimeoutMult: 0 }, 'queryTimeoutMult'],
    [{ name: 'a', openQueriesMax: 0 }, 'openQueriesMax'],
    [{ name: 'a', pendingQueriesMax: 0.5 }, 'pendingQueriesMax'],
    [{ name: 'a', tags: { k: 1 } }, 'tags'],
    [{ name: 'a', limits: { nameBytesMax: 0 } }, 'serfLimits.nameBytesMax'],
  ];
  for (const [input, field] of bad) {
    assert.throws(
      () => serfConfig(input as never),
      (e: unknown) => e instanceof ConfigError && e.field === field,
      `expected ConfigError(${field}) for ${JSON.stringify(input)}`,
    );
  }
});

test('tags that encode to more than 512 bytes of meta are refused, naming tags', () => {
  const big = { blob: 'x'.repeat(520) };
  assert.throws(
    () => serfConfig({ name: 'a', tags: big }),
    (e: unknown) => e instanceof ConfigError && e.field === 'tags' && /512/.test(e.message),
  );
  // Just under: ff + fixmap + fixstr "k" + str16 header + value = 1 + 1 + 2 + 3 + n ≤ 512.
  const fits = { k: 'x'.repeat(505) };
  assert.equal(encodeOwnMeta(new Map(Object.entries(fits)), 5, 'tags').length, 512);
  assert.doesNotThrow(() => serfConfig({ name: 'a', tags: fits }));
});

test('tags are sorted once, so our meta bytes are stable (memberlist compares bytes)', () => {
  const a = serfConfig({ name: 'a', tags: { role: 'web', dc: 'lab' } });
  const b = serfConfig({
    name: 'a',
    tags: new Map([
      ['dc', 'lab'],
      ['role', 'web'],
    ]),
  });
  assert.deepEqual([...a.tags.keys()], ['dc', 'role']);
  assert.deepEqual(encodeOwnMeta(a.tags, 5, 'tags'), encodeOwnMeta(b.tags, 5, 'tags'));
});

test('meta: protocol ≥ 3 is ff | map (captured v001 form); protocol 2 is the bare role', () => {
  const tags = new Map([
    ['dc', 'lab'],
    ['role', 'web'],
  ]);
  const v5 = encodeOwnMeta(tags, 5, 'tags');
  assert.equal(v5[0], 0xff);
  assert.deepEqual(decodeTags(v5, DEFAULT_SERF_LIMITS), tags);
  assert.deepEqual(encodeOwnMeta(new Map(), 5, 'tags'), new Uint8Array([0xff, 0x80]));
  const v2 = encodeOwnMeta(tags, 2, 'tags');
  assert.deepEqual(v2, new TextEncoder().encode('web'));
  assert.deepEqual(decodeTags(v2, DEFAULT_SERF_LIMITS), new Map([['role', 'web']]));
});

test('the defaults object is frozen and complete', () => {
  assert.ok(Object.isFrozen(DEFAULT_SERF_CONFIG));
  for (const v of Object.values(DEFAULT_SERF_CONFIG)) assert.notEqual(v, undefined);
});
