/**
 * UTC timestamps formatted without `Date`'s formatters (src/agent/utc-time.ts): the same text
 * as `Date#toISOString` and `Date#toUTCString` over the whole time-value range, and the agent's
 * paths that write timestamps (log lines, events, the HTTP `Date` header) use them, so an
 * agent never reaches V8's date cache and ICU's time zones.
 */

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { memberEventJson } from '../../src/agent/http/event-hub.ts';
import { createAgentLogger } from '../../src/agent/log.ts';
import { httpDate, httpDateNow, isoTimestamp } from '../../src/agent/utc-time.ts';
import { bareApp, logSink } from './fake-cluster.ts';

const TIME_MAX = 8.64e15;

/** Runs `body` with Date's two formatters replaced by ones that fail the test if called. */
async function withoutDateFormatters(body: () => Promise<void> | void): Promise<void> {
  const iso = Object.getOwnPropertyDescriptor(Date.prototype, 'toISOString')!;
  const utc = Object.getOwnPropertyDescriptor(Date.prototype, 'toUTCString')!;
  const calls: string[] = [];
  Date.prototype.toISOString = function (this: Date) {
    calls.push('toISOString');
    return iso.value.call(this);
  };
  Date.prototype.toUTCString = function (this: Date) {
    calls.push('toUTCString');
    return utc.value.call(this);
  };
  try {
    await body();
  } finally {
    Object.defineProperty(Date.prototype, 'toISOString', iso);
    Object.defineProperty(Date.prototype, 'toUTCString', utc);
  }
  assert.deepEqual(calls, [], "Date's formatters were called");
}

describe('UTC timestamps', () => {
  it("match Date's text at the edges: epoch, leap days, year 0, 9999/10000, the range's ends", () => {
    const edges = [
      0,
      -1,
      1,
      951_782_400_000,
      4_107_456_000_000,
      -2_208_988_800_000,
      -62_167_219_200_000,
      -62_167_219_200_001,
      -62_198_755_200_000,
      253_402_300_799_999,
      253_402_300_800_000,
      TIME_MAX,
      -TIME_MAX,
      1.5,
      -0.5,
      -0,
    ];
    for (const ms of edges) {
      assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), `iso ${ms}`);
      assert.equal(httpDate(ms), new Date(ms).toUTCString(), `http ${ms}`);
    }
    assert.equal(isoTimestamp(1_795_339_838_300), '2026-11-22T09:30:38.300Z');
    assert.equal(httpDate(1_795_339_838_300), 'Sun, 22 Nov 2026 09:30:38 GMT');
  });

  it("match Date's text for any time value (integers and fractions)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -TIME_MAX, max: TIME_MAX }),
          fc.double({ min: -TIME_MAX, max: TIME_MAX, noNaN: true }),
          fc.integer({ min: 0, max: 4_102_444_800_000 }),
        ),
        (ms) => {
          assert.equal(isoTimestamp(ms), new Date(ms).toISOString());
          assert.equal(httpDate(ms), new Date(ms).toUTCString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuse what Date calls an invalid time value, as toISOString does', () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, TIME_MAX + 1, -TIME_MAX - 1]) {
      assert.throws(() => new Date(ms).toISOString(), RangeError);
      assert.throws(() => isoTimestamp(ms), RangeError);
      assert.throws(() => httpDate(ms), RangeError);
    }
  });

  it("now, once a second: the current second's text", () => {
    const before = Math.floor(Date.now() / 1000);
    const text = httpDateNow();
    const after = Math.floor(Date.now() / 1000);
    const at = Date.parse(text) / 1000;
    assert.ok(at >= before && at <= after, `${text} is not between ${before} and ${after}`);
    assert.equal(httpDateNow(), httpDateNow());
  });

  it("log lines, event records and the HTTP Date header are written without Date's formatters", async () => {
    await withoutDateFormatters(async () => {
      const sink = logSink();
      const log = createAgentLogger({
        level: 'info',
        json: false,
        nodeName: 'n',
        write: sink.write,
      });
      log.info('hello');
      assert.match(sink.lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[INFO\] hello\n$/);

      const event = memberEventJson(
        {
          type: 'member-join',
          member: { name: 'a', addr: '127.0.0.1', port: 1, tags: {}, state: 'alive' },
        } as Parameters<typeof memberEventJson>[0],
        0,
      );
      assert.equal(event.time, '1970-01-01T00:00:00.000Z');

      const app = bareApp();
      app.get('/ok', async () => ({ ok: true }));
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const { port } = app.server.address() as AddressInfo;
        const res = await fetch(`http://127.0.0.1:${port}/ok`);
        assert.equal(res.status, 200);
        const date = res.headers.get('date');
        assert.ok(
          date !== null &&
            /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/.test(date),
          `Date: ${date}`,
        );
        assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000, `Date: ${date}`);
        await res.arrayBuffer();
      } finally {
        await app.close();
      }
    });
  });
});
