/**
 * The cluster-wide keyring routes (`/v1/cluster/keys`, Serf's `serf keys`) over the fake
 * cluster: list, install, use and remove answer Serf's counts; a member's refusal is in the
 * counts of a 200; the cluster's result passes through as it is (hostile member names
 * included); a key that is not base64, or that the cluster refuses, is a 400 naming
 * `body/key` before anything runs; too many operations waiting is a 503; the per-node routes
 * still answer the keyring.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterKeysResult } from '../../src/agent/cluster.ts';
import { RemoteError } from '../../src/core/errors.ts';
import { httpSetup } from './fake-cluster.ts';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');

type App = ReturnType<typeof httpSetup>['app'];

function send(app: App, method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown) {
  return app.inject({
    method,
    url,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

const ONE_OK = { numNodes: 1, numResp: 1, numErr: 0, messages: {} };

describe('cluster keys API', () => {
  it('list, install, use, remove: Serf counts, the operation named to the cluster', async () => {
    const { app, cluster } = httpSetup();
    cluster.keyring = { primary: K1, keys: [K1] };
    let res = await app.inject({ url: '/v1/cluster/keys' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ...ONE_OK, keys: { [K1]: 1 }, primaryKeys: { [K1]: 1 } });

    res = await send(app, 'POST', '/v1/cluster/keys', { key: K2 });
    assert.deepEqual(res.json(), ONE_OK, 'no key counts but for list');
    res = await send(app, 'PUT', '/v1/cluster/keys/primary', { key: K2 });
    assert.deepEqual(res.json(), ONE_OK);
    res = await send(app, 'DELETE', '/v1/cluster/keys', { key: K1 });
    assert.deepEqual(res.json(), ONE_OK);
    assert.deepEqual(cluster.keyring, { primary: K2, keys: [K2] });
    assert.deepEqual(
      cluster.calls.filter((c) => c.startsWith('clusterKeys')),
      ['clusterKeys list', 'clusterKeys install', 'clusterKeys use', 'clusterKeys remove'],
    );

    // The per-node routes are untouched.
    res = await app.inject({ url: '/v1/keys' });
    assert.deepEqual(res.json(), { primary: K2, keys: [K2] });
    await app.close();
  });

  it("a member's refusal is in the counts of a 200", async () => {
    const { app, cluster } = httpSetup();
    cluster.keyring = { primary: K1, keys: [K1] };
    const res = await send(app, 'DELETE', '/v1/cluster/keys', { key: K1 });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      numNodes: 1,
      numResp: 1,
      numErr: 1,
      messages: { 'm-self': 'key: removing the primary key is not allowed' },
    });
    await app.close();
  });

  it("the cluster's result as it is: silent and failing members, odd names", async () => {
    const { app, cluster } = httpSetup();
    const result: ClusterKeysResult = {
      numNodes: 4,
      numResp: 3,
      numErr: 1,
      messages: Object.fromEntries([
        ['b', 'Keyring is empty (encryption not enabled)'],
        ['__proto__', 'truncated key list response, showing first 1 of 2 keys'],
      ]),
      keys: { [K1]: 2, [K2]: 1 },
      primaryKeys: { [K1]: 2 },
    };
    let asked: [string, string | undefined] | undefined;
    cluster.clusterKeysImpl = async (action, key) => {
      asked = [action, key];
      return result;
    };
    const res = await app.inject({ url: '/v1/cluster/keys' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(asked, ['list', undefined]);
    const body = JSON.parse(res.body) as ClusterKeysResult;
    assert.deepEqual(Object.entries(body.messages), Object.entries(result.messages));
    assert.deepEqual(
      { ...body, messages: null },
      { ...result, messages: null },
      'counts and keys unchanged',
    );
    await app.close();
  });

  it('refusals of the request: 400 naming body/key, nothing run; 503 when too many wait', async () => {
    const { app, cluster } = httpSetup();
    const cases: [string, 'POST' | 'PUT' | 'DELETE', unknown, RegExp][] = [
      ['/v1/cluster/keys', 'POST', {}, /^body must have required property 'key'/],
      ['/v1/cluster/keys', 'POST', { key: 'not base64!' }, /^body\/key must be padded base64/],
      ['/v1/cluster/keys/primary', 'PUT', { key: 'A'.repeat(100) }, /^body\/key must NOT/],
      ['/v1/cluster/keys', 'DELETE', { key: K1, extra: 1 }, /^body must NOT have additional/],
      ['/v1/cluster/keys', 'POST', { key: 'c2hvcnQ=' }, /^body\/key not a base64 AES key/],
    ];
    for (const [url, method, body, message] of cases) {
      const res = await send(app, method, url, body);
      assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}`);
      assert.match((res.json() as { message: string }).message, message);
    }
    // Only the last reached the cluster (which judged the key's size).
    assert.deepEqual(
      cluster.calls.filter((c) => c.startsWith('clusterKeys')),
      ['clusterKeys install'],
    );

    cluster.clusterKeysImpl = async () => {
      throw new RemoteError('HEARSAY_ERR_QUEUE_FULL', 'keys: 8 cluster key operations waiting');
    };
    const res = await send(app, 'POST', '/v1/cluster/keys', { key: K1 });
    assert.equal(res.statusCode, 503);
    assert.match((res.json() as { message: string }).message, /too many cluster key operations/);
    await app.close();
  });
});
