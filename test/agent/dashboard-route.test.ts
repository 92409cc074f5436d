/**
 * The dashboard without a browser: the static route (content types, cache validation,
 * security headers, no way out of web/, limits) on a bare app, and the page's
 * DOM-free modules (web/model.js, rates.js, chart.js, cluster-view.js, api.js) in Node
 * against hand-made API answers: well-formed ones, and the malformed ones an older or newer
 * agent might send. The browser test (dashboard.test.ts) drives the whole page against
 * real agents.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DASHBOARD_CSP,
  DASHBOARD_DIR_DEFAULT,
  DASHBOARD_LIMITS_DEFAULT,
  dashboardEtag,
  loadDashboardFiles,
  registerDashboardRoute,
} from '../../src/agent/http/dashboard-route.ts';
import { bareApp } from './fake-cluster.ts';

// The page's modules are plain JavaScript without type declarations; the interfaces
// below are what this test relies on.
interface Member {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  state: string;
}
interface Entry {
  type: string;
  timeMs: number;
  title: string;
  detail: string;
  member: Member | null;
}
interface ModelModule {
  parseMembers(raw: unknown): { members: Member[]; rejected: number };
  parseInfo(raw: unknown): { name: string; stats: Record<string, unknown> } | null;
  parseEvent(type: string, data: string, nowMs: number): Entry | null;
  countStates(members: Member[]): Record<string, number>;
  EventLog: new (max?: number) => { add(e: Entry): void; entries(): Entry[] };
  MemberView: new () => {
    replace(members: Member[], requestedMs: number, nowMs: number): void;
    apply(entry: Entry, nowMs: number): boolean;
    list(): Member[];
    changedMs(name: string): number | undefined;
  };
}
interface Point {
  timeMs: number;
  perSecond: number;
}
interface RatesModule {
  trafficCounters(stats: unknown): Record<string, number>;
  RateTracker: new (o?: {
    windowMs?: number;
    pointsMax?: number;
    smoothingMs?: number;
  }) => {
    sample(timeMs: number, counters: Record<string, number>): void;
    series(name: string): Point[];
    latest(name: string): number | null;
    types(prefix: string): string[];
  };
}
interface ChartModule {
  niceCeil(v: number): number;
  shortNumber(v: number): string;
  chartGeometry(
    series: { points: Point[] }[],
    nowMs: number,
    windowMs: number,
  ): { paths: string[]; yMax: number; xTicks: { label: string }[] };
}
interface ClusterViewModule {
  circleLayout(n: number, cx: number, cy: number, r: number): { x: number; y: number }[];
}
interface ApiModule {
  tokenFromSearch(search: string): string | null;
  createApi(o: { token: string | null; fetchImpl: typeof fetch }): {
    members(): Promise<unknown>;
    sendEvent(name: string, payload: string): Promise<unknown>;
    eventsUrl(): string;
  };
}

const webModule = async <T>(name: string): Promise<T> =>
  (await import(new URL(`../../web/${name}`, import.meta.url).href)) as T;
const model = await webModule<ModelModule>('model.js');
const rates = await webModule<RatesModule>('rates.js');
const chart = await webModule<ChartModule>('chart.js');
const clusterView = await webModule<ClusterViewModule>('cluster-view.js');
const api = await webModule<ApiModule>('api.js');

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempWeb(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearsay-web-'));
  temps.push(dir);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

function appWith(dir?: string) {
  const app = bareApp();
  registerDashboardRoute(app, dir === undefined ? {} : { dir });
  return app;
}

describe('dashboard route', () => {
  it('GET / is web/index.html with the page headers; modules and styles with their types', async () => {
    const app = appWith();
    const page = await app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['content-security-policy'], DASHBOARD_CSP);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const index = readFileSync(join(DASHBOARD_DIR_DEFAULT, 'index.html'));
    assert.equal(page.headers.etag, dashboardEtag(index));
    assert.equal(page.body, index.toString('utf8'));

    for (const [url, type] of [
      ['/ui/app.js', 'text/javascript; charset=utf-8'],
      ['/ui/style.css', 'text/css; charset=utf-8'],
      ['/ui/index.html', 'text/html; charset=utf-8'],
    ] as const) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], type, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
    assert.equal((await app.inject({ method: 'HEAD', url: '/' })).statusCode, 200);
    await app.close();
  });

  it('every file the page links or imports is served (no 404 in the browser)', async () => {
    const app = appWith();
    const wanted = new Set<string>();
    const html = readFileSync(join(DASHBOARD_DIR_DEFAULT, 'index.html'), 'utf8');
    for (const m of html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)) wanted.add(m[1]!);
    for (const file of loadDashboardFiles().files.keys()) {
      if (!file.endsWith('.js')) continue;
      const text = readFileSync(join(DASHBOARD_DIR_DEFAULT, file), 'utf8');
      for (const m of text.matchAll(/from '\.\/([^']+)'/g)) wanted.add(`/ui/${m[1]}`);
    }
    assert.ok(wanted.has('/ui/app.js') && wanted.has('/ui/model.js'), [...wanted].join(' '));
    for (const url of wanted) assert.equal((await app.inject({ url })).statusCode, 200, url);
    await app.close();
  });

  it('If-None-Match with the current ETag: 304 without a body; a stale one: 200', async () => {
    const app = appWith();
    const first = await app.inject({ url: '/ui/app.js' });
    const etag = first.headers.etag as string;
    const again = await app.inject({ url: '/ui/app.js', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const listed = await app.inject({
      url: '/ui/app.js',
      headers: { 'if-none-match': `"old", ${etag}` },
    });
    assert.equal(listed.statusCode, 304);
    const stale = await app.inject({ url: '/ui/app.js', headers: { 'if-none-match': '"old"' } });
    assert.equal(stale.statusCode, 200);
    await app.close();
  });

  it('no way out of web/: traversal, encoded slashes, dotfiles, symlinks, unknown types are 404', async () => {
    const secret = 'SECRET-CONTENT';
    const outside = tempWeb({ 'secret.js': secret });
    const dir = tempWeb({
      'index.html': '<p>page</p>',
      'a.js': 'ok',
      'sub/b.css': 'ok',
      '.env': secret,
      'notes.txt': secret,
      'a.js~': 'backup',
    });
    symlinkSync(join(outside, 'secret.js'), join(dir, 'link.js'));
    symlinkSync(outside, join(dir, 'out'));
    const app = appWith(dir);
    assert.equal((await app.inject({ url: '/ui/a.js' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/ui/sub/b.css' })).statusCode, 200);
    for (const url of [
      '/ui/../package.json',
      '/ui/..%2Fpackage.json',
      '/ui/%2e%2e/%2e%2e/package.json',
      '/ui/.env',
      '/ui/notes.txt',
      '/ui/a.js~',
      '/ui/a.js%00',
      '/ui/',
      '/ui',
      '/ui/sub',
      `/ui/${outside}/secret.js`,
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.ok(!res.body.includes(secret), url);
    }
    assert.equal((await app.inject({ url: '/ui/link.js' })).statusCode, 404, 'symlink');
    assert.equal((await app.inject({ url: '/ui/out/secret.js' })).statusCode, 404, 'symlink');
    assert.deepEqual([...loadDashboardFiles(dir).files.keys()].sort(), [
      'a.js',
      'index.html',
      'sub/b.css',
    ]);
    await app.close();
  });

  it('raw request paths on a real socket (no client-side normalising): 404 outside web/', async () => {
    const app = appWith();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const statusOf = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
        });
        socket.on('end', () => resolve(text.split('\r\n', 1)[0]!));
        socket.on('error', reject);
      });
    for (const path of [
      '/ui/../package.json',
      '/ui/../../etc/passwd',
      '/ui/..%2f..%2fpackage.json',
      '/ui/%2e%2e/src/agent/agent.ts',
      '/ui//etc/passwd',
      '/ui/./app.js/..',
    ]) {
      assert.match(await statusOf(path), /^HTTP\/1\.1 (404|400) /, path);
    }
    assert.match(await statusOf('/ui/app.js'), /^HTTP\/1\.1 200 /);
    await app.close();
  });

  it('limits: files beyond filesMax or over the byte limits are skipped and reported', () => {
    const dir = tempWeb({ 'a.js': 'a', 'b.js': 'b', 'c.js': 'c', 'a-big.js': 'x'.repeat(100) });
    const loaded = loadDashboardFiles(dir, {
      ...DASHBOARD_LIMITS_DEFAULT,
      filesMax: 2,
      fileBytesMax: 50,
    });
    assert.deepEqual([...loaded.files.keys()], ['a.js', 'b.js']);
    assert.deepEqual(loaded.skipped, ['a-big.js: over the size limit', 'c.js: more than 2 files']);
  });

  it('web/ missing: GET / is a 404 that says the files are missing', async () => {
    const app = appWith(join(tmpdir(), 'hearsay-no-such-dir', String(process.pid)));
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 404);
    assert.match((res.json() as { message: string }).message, /dashboard files .* missing/);
    await app.close();
  });
});

const m = (name: string, state = 'alive', tags: Record<string, string> = {}): Member => ({
  name,
  addr: '127.0.0.1',
  port: 7946,
  tags,
  state,
});

describe('dashboard model (web/model.js)', () => {
  it('parseMembers keeps well-formed members sorted by name and counts the rest', () => {
    const { members, rejected } = model.parseMembers([
      m('b', 'failed', { role: 'web' }),
      m('a'),
      { ...m('c'), state: 'dead' },
      { ...m('d'), port: '7946' },
      { ...m('e'), tags: { ok: 'x', bad: 5 } },
      null,
    ]);
    assert.deepEqual(
      members.map((x) => [x.name, x.state, x.tags]),
      [
        ['a', 'alive', {}],
        ['b', 'failed', { role: 'web' }],
        ['e', 'alive', { ok: 'x' }],
      ],
    );
    assert.equal(rejected, 3);
    assert.deepEqual(model.parseMembers({ not: 'a list' }), { members: [], rejected: 1 });
    assert.deepEqual(model.countStates(members), {
      alive: 2,
      suspect: 0,
      leaving: 0,
      left: 0,
      failed: 1,
    });
  });

  it('parseInfo checks each counter; a bad one is null or left out, not a wrong number', () => {
    const info = model.parseInfo({
      name: 'node-1',
      addr: '127.0.0.1',
      port: 7946,
      tags: { role: 'demo' },
      version: '0.1.0',
      stats: {
        messagesIn: { 'udp:ping': 3, 'udp:ack': -1, 'tcp:pushPull': 'x' },
        messagesOut: {},
        probes: { ok: 5, failed: 1 },
        suspicions: 'many',
        broadcastQueueDepth: 2,
        userEvents: { sent: 1 },
      },
    });
    assert.ok(info !== null);
    assert.deepEqual(info.stats.messagesIn, { 'udp:ping': 3 });
    assert.deepEqual(info.stats.probes, { ok: 5, failed: 1 });
    assert.equal(info.stats.suspicions, null);
    assert.equal(info.stats.broadcastQueueDepth, 2);
    assert.equal(info.stats.userEvents, null);
    assert.equal(model.parseInfo({ stats: {} }), null);
    assert.equal(model.parseInfo('node-1'), null);
  });

  it('parseEvent: user events with text, base64 text and binary payloads; member events; junk', () => {
    const time = '2026-01-01T12:00:00.000Z';
    const user = model.parseEvent(
      'user',
      JSON.stringify({ type: 'user', time, name: 'deploy', payload: 'v42', ltime: '7' }),
      0,
    );
    assert.deepEqual(user && [user.type, user.timeMs, user.title, user.detail, user.member], [
      'user',
      Date.parse(time),
      'deploy',
      'v42 · ltime 7',
      null,
    ]);
    const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
    const text = model.parseEvent(
      'user',
      JSON.stringify({ name: 'e', payloadBase64: b64([104, 105]) }),
      5,
    );
    assert.equal(text?.detail, 'hi');
    assert.equal(text?.timeMs, 5, 'no time: the receive time');
    const binary = model.parseEvent(
      'user',
      JSON.stringify({ name: 'e', payloadBase64: b64([0, 255, 1]) }),
      0,
    );
    assert.equal(binary?.detail, `(3 bytes) ${b64([0, 255, 1])}`);
    const query = model.parseEvent(
      'query',
      JSON.stringify({ name: 'load', payload: '', from: 'node-2', ltime: '3' }),
      0,
    );
    assert.equal(query?.detail, 'from node-2 · ltime 3');
    const failed = model.parseEvent(
      'member-failed',
      JSON.stringify({ type: 'member-failed', time, member: m('node-5', 'failed') }),
      0,
    );
    assert.deepEqual(failed && [failed.title, failed.detail, failed.member?.state], [
      'node-5',
      '127.0.0.1:7946 failed',
      'failed',
    ]);
    assert.equal(model.parseEvent('user', '{not json', 0), null);
    assert.equal(
      model.parseEvent('member-join', JSON.stringify({ member: { name: 'x' } }), 0),
      null,
    );
    assert.equal(model.parseEvent('heartbeat', '{}', 0), null);
    assert.equal(model.parseEvent('user', '[1,2]', 0), null);
  });

  it('EventLog keeps the newest entries, newest first', () => {
    const log = new model.EventLog(3);
    for (let i = 1; i <= 5; i += 1) {
      log.add({ type: 'user', timeMs: i, title: `e${i}`, detail: '', member: null });
    }
    assert.deepEqual(
      log.entries().map((e) => e.title),
      ['e5', 'e4', 'e3'],
    );
  });

  it('MemberView: events update between polls; a poll asked before an event does not undo it', () => {
    const view = new model.MemberView();
    view.replace([m('a'), m('b')], 0, 1);
    const failed = model.parseEvent(
      'member-failed',
      JSON.stringify({ member: m('b', 'failed') }),
      0,
    )!;
    assert.equal(view.apply(failed, 10), true);
    assert.equal(view.changedMs('b'), 10);
    // Asked at 5, before the event at 10: the stale `alive` is not shown.
    view.replace([m('a'), m('b')], 5, 12);
    assert.deepEqual(
      view.list().map((x) => x.state),
      ['alive', 'failed'],
    );
    // Asked at 20, after it: the poll is the truth again.
    view.replace([m('a'), m('b', 'alive')], 20, 21);
    assert.deepEqual(
      view.list().map((x) => x.state),
      ['alive', 'alive'],
    );
    assert.equal(view.changedMs('b'), 21);
    const joined = model.parseEvent('member-join', JSON.stringify({ member: m('c') }), 0)!;
    view.apply(joined, 30);
    view.replace([m('a'), m('b')], 25, 31);
    assert.deepEqual(
      view.list().map((x) => x.name),
      ['a', 'b', 'c'],
      'a member joined after the request is kept',
    );
    const reaped = model.parseEvent('member-reap', JSON.stringify({ member: m('c', 'left') }), 0)!;
    assert.equal(view.apply(reaped, 40), true);
    assert.deepEqual(
      view.list().map((x) => x.name),
      ['a', 'b'],
    );
  });
});

describe('dashboard rates and drawing (web/rates.js, chart.js, cluster-view.js)', () => {
  it('rate = Δcount/Δt per counter; a counter that goes down starts over; new types count from 0', () => {
    const tracker = new rates.RateTracker({ windowMs: 10_000, smoothingMs: 0 });
    tracker.sample(0, { in: 100, 'in:udp:ping': 10 });
    tracker.sample(1000, { in: 150, 'in:udp:ping': 20, 'in:udp:ack': 4 });
    tracker.sample(1500, { in: 200, 'in:udp:ping': 25, 'in:udp:ack': 4 });
    assert.deepEqual(tracker.series('in'), [
      { timeMs: 1000, perSecond: 50 },
      { timeMs: 1500, perSecond: 100 },
    ]);
    assert.equal(tracker.latest('in:udp:ping'), 10);
    assert.deepEqual(tracker.series('in:udp:ack'), [
      { timeMs: 1000, perSecond: 4 },
      { timeMs: 1500, perSecond: 0 },
    ]);
    assert.deepEqual(tracker.types('in:'), ['udp:ack', 'udp:ping']);
    tracker.sample(2500, { in: 3, 'in:udp:ping': 1, 'in:udp:ack': 0 });
    assert.equal(tracker.latest('in'), null, 'restarted agent: no rate for that interval');
    tracker.sample(3500, { in: 13 });
    assert.equal(tracker.latest('in'), 10);
    assert.equal(tracker.latest('in:udp:ping'), null, 'a type not reported this time');
  });

  it('smoothing: a rate spans back to the oldest sample within smoothingMs', () => {
    const tracker = new rates.RateTracker({ windowMs: 60_000, smoothingMs: 3000 });
    [0, 1, 3, 3, 4, 10].forEach((n, i) => {
      tracker.sample(i * 1000, { out: n });
    });
    assert.deepEqual(
      tracker.series('out').map((p) => Math.round(p.perSecond * 1000) / 1000),
      [1, 1.5, 1, 1, 2.333],
    );
    tracker.sample(5000, { out: 99 });
    assert.equal(tracker.series('out').length, 5, 'a sample at the same time is ignored');
  });

  it('the window and pointsMax bound every series', () => {
    const tracker = new rates.RateTracker({ windowMs: 5000, pointsMax: 3, smoothingMs: 0 });
    for (let t = 0; t <= 10_000; t += 1000) tracker.sample(t, { out: t });
    assert.deepEqual(
      tracker.series('out').map((p) => p.timeMs),
      [8000, 9000, 10_000],
    );
    const wide = new rates.RateTracker({ windowMs: 5000, pointsMax: 100, smoothingMs: 0 });
    for (let t = 0; t <= 10_000; t += 1000) wide.sample(t, { out: t });
    assert.deepEqual(
      wide.series('out').map((p) => p.timeMs),
      [5000, 6000, 7000, 8000, 9000, 10_000],
    );
  });

  it('trafficCounters: totals and per-type counters from /v1/info stats', () => {
    assert.deepEqual(
      rates.trafficCounters({
        messagesIn: { 'udp:ping': 2, 'udp:ack': 3 },
        messagesOut: { 'udp:ping': 4 },
        bytesIn: { 'udp:ping': 100 },
        bytesOut: {},
      }),
      {
        in: 5,
        out: 4,
        bytesIn: 100,
        bytesOut: 0,
        'in:udp:ping': 2,
        'in:udp:ack': 3,
        'out:udp:ping': 4,
      },
    );
  });

  it('chart scales: nice maxima, short numbers, a gap breaks the line, old points drop', () => {
    for (const [v, want] of [
      [0, 1],
      [0.3, 1],
      [1.5, 2],
      [2.2, 2.5],
      [4, 5],
      [7, 10],
      [11, 20],
      [240, 250],
      [251, 500],
    ] as const) {
      assert.equal(chart.niceCeil(v), want, `niceCeil(${v})`);
    }
    assert.deepEqual([0.25, 7, 12.4, 1234, 2_500_000].map(chart.shortNumber), [
      '0.3',
      '7',
      '12',
      '1.2k',
      '2.5M',
    ]);
    const g = chart.chartGeometry(
      [
        {
          points: [
            { timeMs: -1000, perSecond: 999 },
            { timeMs: 1000, perSecond: 3 },
            { timeMs: 2000, perSecond: 4 },
            { timeMs: 9000, perSecond: 2 },
          ],
        },
      ],
      10_000,
      10_000,
    );
    assert.equal(g.yMax, 5, 'the point before the window does not set the scale');
    assert.deepEqual(
      g.paths[0]!.match(/[ML]/g),
      ['M', 'L', 'M'],
      'seven seconds without points is a gap',
    );
    assert.deepEqual(
      chart.chartGeometry([], 0, 180_000).xTicks.map((t) => t.label),
      ['−3m', '−2m', '−1m', 'now'],
    );
  });

  it('circleLayout: the first member at the top, all on the circle, evenly spaced', () => {
    const points = clusterView.circleLayout(4, 100, 100, 50);
    const round = (p: { x: number; y: number }) => [Math.round(p.x), Math.round(p.y)];
    assert.deepEqual(points.map(round), [
      [100, 50],
      [150, 100],
      [100, 150],
      [50, 100],
    ]);
    assert.deepEqual(clusterView.circleLayout(1, 10, 10, 5).map(round), [[10, 5]]);
  });
});

describe('dashboard API client (web/api.js)', () => {
  it('the token comes from the page URL; fetches carry it as a bearer, the stream as ?token=', async () => {
    assert.equal(api.tokenFromSearch('?token=s3cret%2F1'), 's3cret/1');
    assert.equal(api.tokenFromSearch('?token='), null);
    assert.equal(api.tokenFromSearch(''), null);
    const seen: { url: string; init: RequestInit }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ ltime: '4' }), { status: 200 });
    }) as unknown as typeof fetch;
    const client = api.createApi({ token: 's3cret/1', fetchImpl });
    assert.deepEqual(await client.sendEvent('deploy', 'v42'), { ltime: '4' });
    assert.equal(seen[0]!.url, '/v1/events');
    assert.equal(seen[0]!.init.method, 'POST');
    assert.equal(seen[0]!.init.body, JSON.stringify({ name: 'deploy', payload: 'v42' }));
    const headers = seen[0]!.init.headers as Record<string, string>;
    assert.equal(headers.authorization, 'Bearer s3cret/1');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(client.eventsUrl(), '/v1/events?token=s3cret%2F1');
    const open = api.createApi({ token: null, fetchImpl });
    await open.members();
    assert.equal((seen[1]!.init.headers as Record<string, string>).authorization, undefined);
    assert.equal(open.eventsUrl(), '/v1/events');
  });

  it("errors carry the agent's message, or say the agent is unreachable", async () => {
    const refusing = (async () =>
      new Response(
        JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'body/payload too big' }),
        { status: 400, statusText: 'Bad Request' },
      )) as unknown as typeof fetch;
    await assert.rejects(api.createApi({ token: null, fetchImpl: refusing }).sendEvent('x', 'y'), {
      name: 'ApiError',
      status: 400,
      message: 'POST /v1/events: 400 body/payload too big',
    });
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await assert.rejects(api.createApi({ token: null, fetchImpl: down }).members(), {
      status: 0,
      message: 'agent unreachable (network error)',
    });
  });
});

// The route module resolves web/ from its own location; make sure that is this repo's.
describe('dashboard ETag', () => {
  it('changes with the content at the same length, and with the length', () => {
    const a = dashboardEtag(Buffer.from('const a = 1;'));
    assert.match(a, /^"[0-9a-z]+-[0-9a-f]{8}"$/);
    assert.equal(dashboardEtag(Buffer.from('const a = 1;')), a);
    assert.notEqual(dashboardEtag(Buffer.from('const a = 2;')), a);
    assert.notEqual(dashboardEtag(Buffer.from('const a = 1; ')), a);
  });
});

assert.equal(
  DASHBOARD_DIR_DEFAULT,
  fileURLToPath(new URL('../../web/', import.meta.url)),
  'web/ next to src/',
);
