/**
 * Serf's key-management queries against a keyring, as pure functions: install, use, remove
 * and list answered as Serf answers them, refusals with the keyring's message, no keyring
 * (or encryption off) answered "not enabled", a request that does not decode answered
 * Result false and reported as bad input, and list-keys cut to fit the response limit.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSerfMessage, encodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import { Keyring } from '../../src/net/security/keyring.ts';
import {
  encodeKeyResponse,
  isKeyQuery,
  KEY_QUERY,
  keyQueryResponse,
  type SerfKeyring,
} from '../../src/serf/key-queries.ts';

const K1 = new Uint8Array(32).fill(1);
const K2 = new Uint8Array(16).fill(2);
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');
const request = (key: Uint8Array) => encodeSerfMessage({ type: 'keyRequest', key });

function keyring(enabled = true): SerfKeyring & { ring: Keyring } {
  const r = {
    ring: Keyring.create(K1),
    enabled: () => enabled,
    keys: () => r.ring.keys,
    install: (k: Uint8Array) => {
      r.ring = r.ring.install(k);
    },
    use: (k: Uint8Array) => {
      r.ring = r.ring.use(k);
    },
    remove: (k: Uint8Array) => {
      r.ring = r.ring.remove(k);
    },
  };
  return r;
}

describe('key-management queries', () => {
  it('names', () => {
    assert.ok(isKeyQuery('_serf_list-keys'));
    assert.ok(!isKeyQuery('_serf_ping'));
    assert.ok(!isKeyQuery('list-keys'));
  });

  it('install, use, remove, list', () => {
    const ring = keyring();
    const ok = (name: string, key: Uint8Array) =>
      keyQueryResponse(name, request(key), ring, DEFAULT_SERF_LIMITS);
    assert.equal(ok(KEY_QUERY.install, K2).response.result, true);
    assert.equal(ok(KEY_QUERY.use, K2).response.result, true);
    assert.deepEqual(keyQueryResponse(KEY_QUERY.list, null, ring, DEFAULT_SERF_LIMITS).response, {
      type: 'keyResponse',
      result: true,
      message: '',
      keys: [b64(K2), b64(K1)],
      primaryKey: b64(K2),
    });
    assert.equal(ok(KEY_QUERY.remove, K1).response.result, true);
    assert.equal(ring.ring.keys.length, 1);
  });

  it('refusals carry the keyring message; nothing changes', () => {
    const ring = keyring();
    const removePrimary = keyQueryResponse(
      KEY_QUERY.remove,
      request(K1),
      ring,
      DEFAULT_SERF_LIMITS,
    );
    assert.equal(removePrimary.response.result, false);
    assert.match(removePrimary.response.message, /primary/);
    const useUnknown = keyQueryResponse(KEY_QUERY.use, request(K2), ring, DEFAULT_SERF_LIMITS);
    assert.match(useUnknown.response.message, /not in the keyring/);
    const badSize = keyQueryResponse(
      KEY_QUERY.install,
      request(new Uint8Array(5)),
      ring,
      DEFAULT_SERF_LIMITS,
    );
    assert.match(badSize.response.message, /16, 24 or 32 bytes/);
    assert.equal(ring.ring.keys.length, 1);
  });

  it('no keyring, or encryption off: "not enabled", as a Serf agent without -encrypt', () => {
    for (const ring of [undefined, keyring(false)]) {
      const install = keyQueryResponse(KEY_QUERY.install, request(K2), ring, DEFAULT_SERF_LIMITS);
      assert.deepEqual(
        [install.response.result, install.response.message],
        [false, 'No keyring to modify (encryption not enabled)'],
      );
      const list = keyQueryResponse(KEY_QUERY.list, null, ring, DEFAULT_SERF_LIMITS);
      assert.equal(list.response.message, 'Keyring is empty (encryption not enabled)');
    }
  });

  it('a request that does not decode: Result false, reported as bad input', () => {
    for (const payload of [
      new Uint8Array([7, 0xc1]),
      encodeSerfMessage({ type: 'conflictResponse', member: null }),
      null,
    ]) {
      const out = keyQueryResponse(KEY_QUERY.install, payload, keyring(), DEFAULT_SERF_LIMITS);
      assert.equal(out.response.result, false);
      assert.ok(out.badRequest !== null);
      assert.match(out.badRequest.code, /^HEARSAY_ERR_/);
    }
  });

  it('list-keys is cut to fit the response limit, with Serf message', () => {
    const keys = Array.from({ length: 40 }, (_, i) => b64(new Uint8Array(32).fill(i)));
    const response = {
      type: 'keyResponse',
      result: true,
      message: '',
      keys,
      primaryKey: keys[0]!,
    } as const;
    const bytes = encodeKeyResponse(response, (p) => p.length <= 1000)!;
    assert.ok(bytes.length <= 1000);
    const decoded = decodeSerfMessage(bytes, DEFAULT_SERF_LIMITS);
    assert.equal(decoded.type, 'keyResponse');
    if (decoded.type !== 'keyResponse') return;
    assert.ok(decoded.keys!.length < 40 && decoded.keys!.length > 10);
    assert.equal(
      decoded.message,
      `truncated key list response, showing first ${decoded.keys!.length} of 40 keys`,
    );
    assert.equal(
      encodeKeyResponse(response, () => false),
      null,
    );
  });
});
