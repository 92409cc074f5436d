/**
 * `createMember` and `Membership` input validation: every bad option is a `ConfigError`
 * naming the field as the user wrote it, raised before any socket is bound; endpoint
 * parsing accepts the documented forms.
 */

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/core/errors.ts';
import { parseEndpoint } from '../../../src/net/memberlist/endpoints.ts';
import { createMember, type MemberOptions } from '../../../src/net/memberlist/member.ts';

const BASE: MemberOptions = { name: 'a', bind: '127.0.0.1:0', profile: 'local', logger: quiet() };

function quiet(): { warn(): void; error(): void } {
  return { warn() {}, error() {} };
}

async function rejectsField(
  options: Partial<MemberOptions> & Record<string, unknown>,
  field: string,
): Promise<void> {
  await assert.rejects(createMember({ ...BASE, ...options } as MemberOptions), (err) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.field, field, err.message);
    return true;
  });
}

describe('createMember validation', () => {
  test('each bad option names its field', async () => {
    await rejectsField({ name: '' }, 'name');
    await rejectsField({ profile: 'fast' as never }, 'profile');
    await rejectsField({ config: { name: 'x' } }, 'config.name');
    await rejectsField({ config: { advertisePort: 1 } }, 'config.advertisePort');
    await rejectsField({ config: { probeTimeoutMs: 5000 } }, 'config.probeTimeoutMs');
    await rejectsField({ config: { bogus: 1 } as never }, 'config.bogus');
    await rejectsField({ bind: 'localhost:0' }, 'bind');
    await rejectsField({ bind: '127.0.0.1:99999' }, 'bind');
    await rejectsField({ advertise: 'example.org:1' }, 'advertise');
    await rejectsField({ encryptKeys: ['not base64!'] }, 'encryptKeys[0]');
    await rejectsField({ encryptKeys: [new Uint8Array(10)] }, 'encryptKeys[0]');
    await rejectsField({ gossipVerifyIncoming: 'yes' as never }, 'gossipVerifyIncoming');
    await rejectsField({ meta: new Uint8Array(513) }, 'meta');
    await rejectsField({ meta: new Uint8Array(1), delegate: {} }, 'meta');
    await rejectsField({ limits: { inboundStreamsMax: 0 } }, 'limits.inboundStreamsMax');
  });

  test('validation comes before binding: a bad option on a taken port is still a ConfigError', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
    try {
      await rejectsField(
        { bind: `127.0.0.1:${udp.address().port}`, config: { gossipNodes: -1 } },
        'config.gossipNodes',
      );
      await assert.rejects(createMember({ ...BASE, bind: `127.0.0.1:${udp.address().port}` }), {
        code: 'HEARSAY_ERR_SOCKET',
      });
    } finally {
      udp.close();
    }
  });

  test('an already aborted signal rejects with its reason', async () => {
    await assert.rejects(createMember({ ...BASE, signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
  });

  test('join arguments are validated', async () => {
    const m = await createMember(BASE);
    try {
      await assert.rejects(m.join([]), { field: 'seeds' });
      await assert.rejects(m.join(['127.0.0.1:70000']), { field: 'seeds[0]' });
      await assert.rejects(m.join(['127.0.0.1:1', ':5']), { field: 'seeds[1]' });
      await assert.rejects(m.leave({ timeoutMs: -1 }), { field: 'timeoutMs' });
      assert.throws(() => m.installKey(new Uint8Array(16)), /encryption is not enabled/);
      assert.throws(() => m.updateMeta(new Uint8Array(600)), { field: 'meta' });
    } finally {
      await m.shutdown();
    }
    await assert.rejects(m.join(['127.0.0.1:1']), /shut down/);
  });
});

describe('Membership commands on a lone member', () => {
  test('a join abandoned through its signal rejects with the abort reason', async () => {
    const m = await createMember(BASE);
    try {
      const controller = new AbortController();
      const joining = m.join(['127.0.0.1:1'], { signal: controller.signal });
      controller.abort();
      await assert.rejects(joining, { name: 'AbortError' });
    } finally {
      await m.shutdown();
    }
  });

  test('leave on a member alone resolves at once and shuts it down; leave and shutdown are idempotent', async () => {
    const m = await createMember(BASE);
    assert.equal(m.local.name, 'a');
    assert.equal(m.members().length, 1);
    assert.deepEqual(await m.leave(), { timedOut: false });
    assert.ok(m.closed);
    assert.deepEqual(await m.leave(), { timedOut: false });
    await m.shutdown();
  });
});

describe('parseEndpoint', () => {
  test('documented forms', () => {
    const cases: [string, string, number][] = [
      ['10.0.0.1:7000', '10.0.0.1', 7000],
      ['10.0.0.1', '10.0.0.1', 7946],
      ['[::1]:7000', '::1', 7000],
      ['[::1]', '::1', 7946],
      ['::1', '::1', 7946],
      ['seed.example:8000', 'seed.example', 8000],
    ];
    for (const [text, host, port] of cases) {
      assert.deepEqual(parseEndpoint(text, 'f', 7946), { host, port }, text);
    }
    assert.throws(() => parseEndpoint('[::1', 'f', 1), { field: 'f' });
    assert.throws(() => parseEndpoint('h:0', 'f', 1), { field: 'f' });
    assert.deepEqual(parseEndpoint('h:0', 'f', 1, true), { host: 'h', port: 0 });
  });
});
