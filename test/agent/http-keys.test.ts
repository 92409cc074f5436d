/**
 * The keyring routes: list, install, use, remove, each answering the keyring after it;
 * refusals by the schema (not base64) and by the cluster (removing the primary, using a key
 * that is not installed) as 400s naming `body/key`.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpSetup } from './fake-cluster.ts';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');

type App = ReturnType<typeof httpSetup>['app'];

function change(app: App, method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown) {
  return app.inject({
    method,
    url,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

describe('keys API', () => {
  it('list, install, use, remove', async () => {
    const { app, cluster } = httpSetup();
    let res = await app.inject({ url: '/v1/keys' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { primary: null, keys: [] });

    res = await change(app, 'POST', '/v1/keys', { key: K1 });
    assert.deepEqual(res.json(), { primary: K1, keys: [K1] });
    res = await change(app, 'POST', '/v1/keys', { key: K2 });
    assert.deepEqual(res.json(), { primary: K1, keys: [K1, K2] });
    res = await change(app, 'PUT', '/v1/keys/primary', { key: K2 });
    assert.deepEqual(res.json(), { primary: K2, keys: [K1, K2] });
    res = await change(app, 'DELETE', '/v1/keys', { key: K1 });
    assert.deepEqual(res.json(), { primary: K2, keys: [K2] });
    assert.deepEqual(
      cluster.calls.filter((c) => c.endsWith('Key')),
      ['installKey', 'installKey', 'useKey', 'removeKey'],
    );
    await app.close();
  });

  it('refusals: a 400 naming body/key', async () => {
    const { app, cluster } = httpSetup();
    cluster.keyring = { primary: K1, keys: [K1] };
    const cases: [string, 'POST' | 'PUT' | 'DELETE', unknown, RegExp][] = [
      ['/v1/keys', 'POST', {}, /^body must have required property 'key'/],
      ['/v1/keys', 'POST', { key: 'not base64!' }, /^body\/key must be padded base64/],
      ['/v1/keys', 'POST', { key: 'A'.repeat(100) }, /^body\/key must NOT have more than 64/],
      ['/v1/keys/primary', 'PUT', { key: K2 }, /^body\/key not installed/],
      ['/v1/keys', 'DELETE', { key: K1 }, /^body\/key cannot remove the primary key/],
    ];
    for (const [url, method, body, message] of cases) {
      const res = await change(app, method, url, body);
      assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}`);
      assert.match((res.json() as { message: string }).message, message);
    }
    assert.deepEqual((await app.inject({ url: '/v1/keys' })).json(), { primary: K1, keys: [K1] });
    await app.close();
  });
});
