/**
 * The HTTP API over a fake cluster: `GET /v1/members` shape, order and filters, `GET
 * /v1/info` and `/v1/health`, JSON errors for unknown routes and methods, a cluster fault as a
 * 500 that logs and does not leak, and a server that survives malformed HTTP and garbage
 * bodies on every route.
 */

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AgentMember } from '../../src/agent/cluster.ts';
import { listenHttp } from '../../src/agent/http/server.ts';
import { emptyStats, member, httpSetup as setup } from './fake-cluster.ts';

describe('agent HTTP API', () => {
  it('GET /v1/members: every member as {name, addr, port, tags, state}, sorted by name', async () => {
    const { app } = setup([
      member('c', 7003, 'failed'),
      member('b', 7002, 'suspect', { dc: 'x' }),
      member('d', 7004, 'left'),
      member('a', 7001, 'leaving'),
    ]);
    const res = await app.inject({ method: 'GET', url: '/v1/members' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const body = res.json() as AgentMember[];
    assert.deepEqual(
      body.map((m) => m.name),
      ['a', 'b', 'c', 'd', 'm-self'],
    );
    assert.deepEqual(body[1], {
      name: 'b',
      addr: '127.0.0.1',
      port: 7002,
      tags: { dc: 'x' },
      state: 'suspect',
    });
    assert.deepEqual(body[4], {
      name: 'm-self',
      addr: '127.0.0.1',
      port: 7946,
      tags: { role: 'web' },
      state: 'alive',
    });
    for (const m of body)
      assert.deepEqual(Object.keys(m).sort(), ['addr', 'name', 'port', 'state', 'tags']);
    await app.close();
  });

  it('fields the cluster adds beyond the schema do not leak into the API', async () => {
    const extra = { ...member('x', 1), incarnation: 9, secret: 's' } as AgentMember;
    const { app } = setup([extra]);
    const body = (await app.inject({ url: '/v1/members' })).json() as Record<string, unknown>[];
    assert.equal(body.find((m) => m.name === 'x')?.secret, undefined);
    assert.equal(body.find((m) => m.name === 'x')?.incarnation, undefined);
    await app.close();
  });

  it('unknown routes and methods: 404 with a JSON body', async () => {
    const { app } = setup();
    for (const [method, url] of [
      ['GET', '/v1/nope'],
      ['GET', '/v2/members'],
      ['POST', '/v1/members'],
      ['DELETE', '/v1/members'],
      ['GET', `/${'x'.repeat(5000)}`],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url.slice(0, 20)}`);
      const body = res.json() as { statusCode: number; error: string; message: string };
      assert.equal(body.statusCode, 404);
      assert.equal(body.error, 'Not Found');
      assert.match(body.message, new RegExp(`^no route ${method} /`));
      assert.ok(body.message.length < 300, 'the echoed URL is cut short');
    }
    await app.close();
  });

  it('a malformed URL is a 400 with a JSON body', async () => {
    const { app } = setup();
    for (const url of ['/v1/members%', '/v1/%zz']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      const body = res.json() as { statusCode: number; error: string };
      assert.equal(body.statusCode, 400);
      assert.equal(body.error, 'Bad Request');
    }
    await app.close();
  });

  it('a fault in the cluster is a 500 whose details go to the log, not the client', async () => {
    const { app, cluster, sink } = setup();
    cluster.members = () => {
      throw new Error('table exploded: internal detail');
    };
    const res = await app.inject({ url: '/v1/members' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; see the agent log',
    });
    const logged = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = logged.find((l) => l.msg === 'http handler failed');
    assert.ok(entry, 'the failure is logged');
    assert.equal(entry.level, 50);
    assert.match(JSON.stringify(entry.err), /table exploded/);
    // The next request is served normally.
    cluster.members = () => [member('m-self', 7946)];
    assert.equal((await app.inject({ url: '/v1/members' })).statusCode, 200);
    await app.close();
  });

  it('each request is logged once at debug, not at info', async () => {
    const { app, sink } = setup();
    await app.inject({ url: '/v1/members' });
    const logged = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = logged.filter((l) => l.msg === 'http request');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.level, 20);
    assert.equal(requests[0]!.statusCode, 200);
    assert.ok(!logged.some((l) => l.level === 30), 'nothing at info for a request');
    await app.close();
  });

  it('garbage on the socket gets a 400 and the server keeps serving', async () => {
    const { app } = setup();
    const bound = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    assert.equal(bound.host, '127.0.0.1');
    assert.ok(bound.port > 0);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(bound.port, bound.host, () => {
        socket.write('\x00\x01GARBAGE \xff\xfe HTTP/9\r\n\r\n');
      });
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    const res = await fetch(`http://127.0.0.1:${bound.port}/v1/members`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 1);
    await app.close();
  });

  it('GET /v1/members filters: status (list), name and tag regexps, anchored as Serf does', async () => {
    const { app } = setup([
      member('web-1', 7001, 'alive', { role: 'web', dc: 'eu-west' }),
      member('web-2', 7002, 'failed', { role: 'web', dc: 'us' }),
      member('db-1', 7003, 'alive', { role: 'db', dc: 'eu-north' }),
      member('cache', 7004, 'left'),
    ]);
    const names = async (query: string) => {
      const res = await app.inject({ url: `/v1/members?${query}` });
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
      return (res.json() as AgentMember[]).map((m) => m.name);
    };
    assert.deepEqual(await names('status=alive'), ['db-1', 'm-self', 'web-1']);
    assert.deepEqual(await names('status=failed,left'), ['cache', 'web-2']);
    assert.deepEqual(await names('status=failed&status=left'), ['cache', 'web-2']);
    assert.deepEqual(await names('name=web-.*'), ['web-1', 'web-2']);
    // Anchored: `web` alone matches no whole name.
    assert.deepEqual(await names('name=web'), []);
    assert.deepEqual(await names('name=(?i)WEB-1'), ['web-1']);
    assert.deepEqual(await names('tag=role=web'), ['m-self', 'web-1', 'web-2']);
    assert.deepEqual(await names('tag=role=web&tag=dc=eu-.*'), ['web-1']);
    assert.deepEqual(await names(`tag=${encodeURIComponent('dc=eu-(west|north)')}`), [
      'db-1',
      'web-1',
    ]);
    // A missing tag is the empty string, as in Serf.
    assert.deepEqual(await names('tag=dc='), ['cache', 'm-self']);
    assert.deepEqual(await names('tag=constructor=.*&name=cache'), ['cache']);
    assert.deepEqual(await names('status=alive&tag=role=db'), ['db-1']);
    await app.close();
  });

  it('GET /v1/members: a bad filter is a 400 naming the parameter', async () => {
    const { app } = setup();
    const cases: [string, RegExp][] = [
      ['status=dead', /^querystring\/status must be one of alive, suspect, leaving, left, failed/],
      ['name=(', /^querystring\/name must be a regular expression/],
      ['name=a&name=b', /^querystring\/name may be given only once/],
      ['name=\\bword', /^querystring\/name must be a regular expression/],
      [`name=${'a'.repeat(300)}`, /^querystring\/name must be a pattern of at most 256 characters/],
      ['tag=role', /^querystring\/tag must be KEY=REGEX/],
      ['tag==web', /^querystring\/tag must be KEY=REGEX/],
      ['tag=role=[', /^querystring\/tag must be a regular expression/],
      [
        Array.from({ length: 17 }, (_, i) => `tag=k${i}=x`).join('&'),
        /^querystring\/tag may be given at most 16 times/,
      ],
      ['color=red', /^querystring\/color is not a filter/],
    ];
    for (const [query, message] of cases) {
      const res = await app.inject({ url: `/v1/members?${query}` });
      assert.equal(res.statusCode, 400, query);
      const body = res.json() as { statusCode: number; error: string; message: string };
      assert.equal(body.statusCode, 400);
      assert.equal(body.error, 'Bad Request');
      assert.match(body.message, message, query);
    }
    await app.close();
  });

  it('GET /v1/members: a pathological pattern runs in linear time', async () => {
    const { app } = setup([member('a'.repeat(120), 7001)]);
    const started = performance.now();
    const res = await app.inject({
      url: `/v1/members?name=${encodeURIComponent('(a|a)*(a|aa)*b')}`,
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), []);
    // A backtracking engine takes longer than the universe's age here.
    assert.ok(performance.now() - started < 2_000);
    await app.close();
  });

  it('GET /v1/info: who this agent is, members by state, stats, version', async () => {
    const { app, cluster } = setup(
      [member('b', 7002, 'failed'), member('c', 7003, 'alive'), member('d', 7004, 'suspect')],
      { version: '9.9.9' },
    );
    cluster.statsValue = { ...emptyStats(), suspicions: 3, messagesIn: { ping: 5 } };
    const res = await app.inject({ url: '/v1/info' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      name: 'm-self',
      addr: '127.0.0.1',
      port: 7946,
      tags: { role: 'web' },
      state: 'alive',
      version: '9.9.9',
      members: { alive: 2, suspect: 1, leaving: 0, left: 0, failed: 1 },
      stats: { ...emptyStats(), suspicions: 3, messagesIn: { ping: 5 } },
    });
    await app.close();
  });

  it('GET /v1/info: a bigint in the stats is a decimal string', async () => {
    const { app, cluster } = setup();
    cluster.statsValue = { ...emptyStats(), suspicions: (2n ** 64n) as unknown as number };
    const body = (await app.inject({ url: '/v1/info' })).json() as {
      stats: { suspicions: unknown };
    };
    assert.equal(body.stats.suspicions, '18446744073709551616');
    await app.close();
  });

  it('GET /v1/health: ok, then 503 leaving once the local member is leaving or left', async () => {
    const { app, cluster } = setup();
    let res = await app.inject({ url: '/v1/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    for (const state of ['leaving', 'left'] as const) {
      cluster.localOverride = member('m-self', 7946, state);
      res = await app.inject({ url: '/v1/health' });
      assert.equal(res.statusCode, 503, state);
      assert.deepEqual(res.json(), { status: 'leaving' });
    }
    await app.close();
  });

  it('garbage bodies on every route: a 4xx with a JSON error, and the server keeps serving', async () => {
    const { app } = setup();
    const routes: [string, string][] = [
      ['POST', '/v1/events'],
      ['POST', '/v1/queries'],
      ['POST', '/v1/keys'],
      ['PUT', '/v1/keys/primary'],
      ['DELETE', '/v1/keys'],
    ];
    const bodies: [string, string | Buffer][] = [
      ['application/json', '{'],
      ['application/json', 'null'],
      ['application/json', '[]'],
      ['application/json', '"text"'],
      ['application/json', '12'],
      ['application/json', '{"__proto__":{"polluted":1}}'],
      ['application/json', '{"constructor":{"prototype":{"polluted":1}}}'],
      ['application/json', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
      ['application/json', '{"name":{"$gt":""},"key":[1]}'],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'a=1'],
    ];
    for (const [method, url] of routes) {
      for (const [type, payload] of bodies) {
        const res = await app.inject({
          method: method as 'POST',
          url,
          headers: { 'content-type': type },
          payload,
        });
        assert.ok(
          res.statusCode >= 400 && res.statusCode < 500,
          `${method} ${url} ${type} ${String(payload)}: ${res.statusCode} ${res.body}`,
        );
        const body = res.json() as { statusCode: number; message: string };
        assert.equal(body.statusCode, res.statusCode);
        assert.equal(typeof body.message, 'string');
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await app.inject({ url: '/v1/members' })).statusCode, 200);
    await app.close();
  });

  it('a body over 64 KiB is a 413', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'big', payload: 'x'.repeat(70_000) }),
    });
    assert.equal(res.statusCode, 413);
    const body = res.json() as { statusCode: number; error: string };
    assert.equal(body.statusCode, 413);
    assert.equal(body.error, 'Payload Too Large');
    await app.close();
  });

  it('property: any JSON body or query string on any route is answered, never with a 5xx', async () => {
    const { app } = setup([member('b', 7002, 'alive', { role: 'db' })]);
    const routes = [
      ['POST', '/v1/events'],
      ['POST', '/v1/queries'],
      ['POST', '/v1/keys'],
      ['PUT', '/v1/keys/primary'],
      ['DELETE', '/v1/keys'],
      ['GET', '/v1/members'],
      ['GET', '/v1/info'],
    ] as const;
    const field = fc.constantFrom(
      'name',
      'payload',
      'payloadBase64',
      'coalesce',
      'filterNodes',
      'filterTags',
      'requestAck',
      'timeoutMs',
      'key',
      '__proto__',
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(field, fc.jsonValue(), { maxKeys: 5 }),
      fc.record({ name: fc.string(), payload: fc.string() }, { requiredKeys: [] }),
    );
    const query = fc.array(
      fc.tuple(
        fc.constantFrom('status', 'name', 'tag', 'token', 'x'),
        fc.string({ maxLength: 40 }),
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, query, async ([method, url], b, q) => {
        const qs = new URLSearchParams(q).toString();
        const res = await app.inject({
          method,
          url: qs === '' ? url : `${url}?${qs}`,
          ...(method === 'GET'
            ? {}
            : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(b) }),
        });
        assert.ok(res.statusCode < 500, `${method} ${url}?${qs} ${JSON.stringify(b)}: ${res.body}`);
        JSON.parse(res.body);
      }),
      { seed: 7, numRuns: 300 },
    );
    await app.close();
  });
});
