/**
 * The bearer token (`--http-token`) and `POST /v1/leave`.
 *
 * Token: every API route and /metrics answer 401 without it or with a wrong one (a JSON body
 * and `WWW-Authenticate: Bearer`), `?token=` works on the event stream only, the dashboard
 * stays open, the token never reaches the log, and the setting is validated without echoing
 * it. Leave: 202, then the owner is told once the answer is out, health turns 503; an agent
 * without an owner answers 501; through the process glue it ends `runAgent` as a signal
 * would (leave, then shutdown).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentConfigError, agentConfigFrom } from '../../src/agent/config.ts';
import { listenHttp } from '../../src/agent/http/server.ts';
import { runAgent } from '../../src/agent/run.ts';
import { FakeCluster, httpSetup, member, openSse } from './fake-cluster.ts';

const TOKEN = 's3cret-token-0123456789';

describe('bearer token', () => {
  it('API routes answer 401 without the token or with a wrong one', async () => {
    const { app } = httpSetup([], { token: TOKEN });
    const routes: [string, string][] = [
      ['GET', '/v1/members'],
      ['GET', '/v1/info'],
      ['GET', '/v1/health'],
      ['GET', '/v1/keys'],
      ['POST', '/v1/events'],
      ['GET', '/v1/events'],
      ['POST', '/v1/queries'],
      ['POST', '/v1/keys'],
      ['PUT', '/v1/keys/primary'],
      ['DELETE', '/v1/keys'],
      ['POST', '/v1/leave'],
      ['GET', '/metrics'],
      ['GET', '/v1/nope'],
    ];
    for (const [method, url] of routes) {
      for (const authorization of [
        undefined,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Basic ${TOKEN}`,
        TOKEN,
        'Bearer',
      ]) {
        const res = await app.inject({
          method: method as 'GET',
          url,
          headers: authorization === undefined ? {} : { authorization },
        });
        assert.equal(res.statusCode, 401, `${method} ${url} ${authorization}`);
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="hearsay"');
        const body = res.json() as { statusCode: number; error: string; message: string };
        assert.equal(body.statusCode, 401);
        assert.equal(body.error, 'Unauthorized');
        assert.ok(!body.message.includes(TOKEN));
      }
    }
    await app.close();
  });

  it('with the token every route answers; ?token= only on the event stream', async () => {
    const { app } = httpSetup([], { token: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const url of ['/v1/members', '/v1/info', '/v1/health', '/v1/keys', '/metrics']) {
      assert.equal((await app.inject({ url, headers: auth })).statusCode, 200, url);
      const viaQuery = await app.inject({ url: `${url}?token=${TOKEN}` });
      assert.equal(viaQuery.statusCode, 401, `${url}?token=`);
    }
    // Lower-case scheme, as RFC 7235 allows.
    assert.equal(
      (await app.inject({ url: '/v1/info', headers: { authorization: `bearer ${TOKEN}` } }))
        .statusCode,
      200,
    );
    const { port } = await listenHttp(app, { host: '127.0.0.1', port: 0 });
    const viaQuery = await openSse(port, `/v1/events?token=${encodeURIComponent(TOKEN)}`);
    assert.equal(viaQuery.status, 200);
    await viaQuery.until(() => viaQuery.comments.length > 0);
    viaQuery.close();
    const viaHeader = await openSse(port, '/v1/events', { headers: auth });
    assert.equal(viaHeader.status, 200);
    viaHeader.close();
    const wrong = await openSse(port, '/v1/events?token=nope');
    assert.equal(wrong.status, 401);
    await app.close();
  });

  it('no spelling of an API path gets past the check', async () => {
    const { app } = httpSetup([], { token: TOKEN });
    for (const url of [
      '/v1/members/',
      '//v1/members',
      '/V1/members',
      '/v1/members;x',
      '/v1/%6dembers',
      '/v1/./members',
      '/v1/x/../members',
      '/metrics%3F',
      '/%2Fv1/members',
    ]) {
      const res = await app.inject({ url });
      assert.ok(
        res.statusCode === 401 || res.statusCode === 404 || res.statusCode === 400,
        `${url}: ${res.statusCode}`,
      );
      assert.doesNotMatch(res.body, /m-self/, url);
    }
    await app.close();
  });

  it('paths outside the API (the dashboard) stay open', async () => {
    const { app } = httpSetup([], { token: TOKEN });
    const res = await app.inject({ url: '/no-such-page' });
    assert.equal(res.statusCode, 404);
    await app.close();
  });

  it('the token in a URL never reaches the log', async () => {
    const { app, sink } = httpSetup([], { token: TOKEN });
    await app.inject({ url: `/v1/events?token=${TOKEN}&x=1` });
    await app.inject({
      url: `/v1/nope?token=${TOKEN}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.ok(sink.lines.length > 0);
    for (const line of sink.lines) assert.ok(!line.includes(TOKEN), line);
    assert.ok(sink.lines.some((l) => l.includes('token=REDACTED')));
    await app.close();
  });

  it('--http-token: 16 to 512 visible ASCII characters, never echoed', () => {
    assert.equal(agentConfigFrom({ 'http-token': TOKEN }).httpToken, TOKEN);
    assert.equal(agentConfigFrom({}).httpToken, null);
    for (const bad of [
      'short',
      'x'.repeat(513),
      'with a space 0123456789',
      'tab\t0123456789abcdef',
    ]) {
      assert.throws(
        () => agentConfigFrom({ 'http-token': bad }),
        (e: unknown) =>
          e instanceof AgentConfigError &&
          e.field === '--http-token' &&
          !e.message.includes(bad) &&
          /16 to 512 visible ASCII characters/.test(e.message),
      );
    }
  });
});

describe('POST /v1/leave', () => {
  it('202, then the owner is told; health answers 503 from then on', async () => {
    let told = 0;
    const { app } = httpSetup([], { requestLeave: () => told++ });
    const res = await app.inject({ method: 'POST', url: '/v1/leave' });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { status: 'leaving' });
    while (told === 0) await new Promise((r) => setImmediate(r));
    assert.equal(told, 1);
    const health = await app.inject({ url: '/v1/health' });
    assert.equal(health.statusCode, 503);
    assert.deepEqual(health.json(), { status: 'leaving' });
    await app.close();
  });

  it('an agent without an owner to stop it: 501', async () => {
    const { app } = httpSetup();
    const res = await app.inject({ method: 'POST', url: '/v1/leave' });
    assert.equal(res.statusCode, 501);
    assert.equal((await app.inject({ url: '/v1/health' })).statusCode, 200);
    await app.close();
  });

  it('through runAgent: the process leaves, shuts down and returns, as on a signal', async () => {
    const cluster = new FakeCluster(member('self', 7001));
    const lines: string[] = [];
    const config = agentConfigFrom({ name: 'self', bind: '127.0.0.1:0', http: '127.0.0.1:0' });
    const done = runAgent(config, {
      createCluster: async () => cluster,
      io: { writeLine: (l) => lines.push(l), writeLog: () => {}, onSignal: () => () => {} },
      onStarted: (agent) => {
        void fetch(`http://127.0.0.1:${agent.http.port}/v1/leave`, { method: 'POST' }).then((res) =>
          assert.equal(res.status, 202),
        );
      },
    });
    await done;
    assert.deepEqual(
      cluster.calls.filter((c) => c === 'leave' || c === 'shutdown'),
      ['leave', 'shutdown'],
    );
    assert.equal(lines.length, 1);
  });
});
