/**
 * `hearsay members` against an agent started in-process over a fake cluster (the HTTP API
 * is real, on 127.0.0.1 port 0): `--json`, the table, the address from HEARSAY_HTTP_ADDR
 * (through the real bin, to set the environment), and the one-line failures — no agent
 * there, something that is not an agent, a bad address.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent } from '../../src/agent/agent.ts';
import { agentConfigFrom } from '../../src/agent/config.ts';
import { createAgentLogger } from '../../src/agent/log.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { membersTable } from '../../src/cli/members-command.ts';
import { FakeCluster, listeningSetup, member } from '../agent/fake-cluster.ts';

const BIN = fileURLToPath(new URL('../../bin/hearsay.js', import.meta.url));

const MEMBERS = [
  member('web-2', 7002, 'failed', { role: 'web' }),
  member('db-1', 7003, 'left', {}),
  member('web-10', 7004, 'suspect', { role: 'web', dc: 'eu' }),
];

let agent: Agent;
let address: string;

before(async () => {
  const config = agentConfigFrom({ name: 'self', bind: '127.0.0.1:0', http: '127.0.0.1:0' });
  const cluster = new FakeCluster(member('self', 7001, 'alive', { role: 'lb' }), MEMBERS);
  agent = await Agent.start(config, {
    createCluster: async () => cluster,
    logger: createAgentLogger({ level: 'error', json: true, nodeName: 'self', write: () => {} }),
  });
  address = `127.0.0.1:${agent.http.port}`;
});

after(async () => {
  await agent.shutdown();
});

async function members(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(['members', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

/** Run the real bin with an environment; resolves with its exit code and output. */
function bin(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('hearsay members', () => {
  it('--json: the member list as the API serves it, sorted by name', async () => {
    const r = await members(['--json', '--http', address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.deepEqual(JSON.parse(r.out), [
      { name: 'db-1', addr: '127.0.0.1', port: 7003, tags: {}, state: 'left' },
      { name: 'self', addr: '127.0.0.1', port: 7001, tags: { role: 'lb' }, state: 'alive' },
      {
        name: 'web-10',
        addr: '127.0.0.1',
        port: 7004,
        tags: { role: 'web', dc: 'eu' },
        state: 'suspect',
      },
      { name: 'web-2', addr: '127.0.0.1', port: 7002, tags: { role: 'web' }, state: 'failed' },
    ]);
  });

  it('the default output is an aligned table with a header', async () => {
    const r = await members(['--http', address]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      [
        'NAME    ADDRESS         STATE    TAGS',
        'db-1    127.0.0.1:7003  left',
        'self    127.0.0.1:7001  alive    role=lb',
        'web-10  127.0.0.1:7004  suspect  dc=eu,role=web',
        'web-2   127.0.0.1:7002  failed   role=web',
        '',
      ].join('\n'),
    );
  });

  it('an IPv6 member address is bracketed in the table', () => {
    const table = membersTable([{ name: 'v6', addr: '::1', port: 7946, tags: {}, state: 'alive' }]);
    assert.match(table, /^v6 {4}\[::1\]:7946 {2}alive\n$/m);
  });

  it('HEARSAY_HTTP_ADDR gives the address; --http wins over it', async () => {
    const viaEnv = await bin(['members', '--json'], { HEARSAY_HTTP_ADDR: address });
    assert.equal(viaEnv.code, 0, viaEnv.err);
    assert.equal((JSON.parse(viaEnv.out) as unknown[]).length, 4);
    const overridden = await bin(['members', '--json', '--http', address], {
      HEARSAY_HTTP_ADDR: 'garbage',
    });
    assert.equal(overridden.code, 0, overridden.err);
    const bad = await bin(['members'], { HEARSAY_HTTP_ADDR: 'garbage' });
    assert.equal(bad.code, 2);
    assert.equal(bad.out, '');
    assert.match(bad.err, /^hearsay: HEARSAY_HTTP_ADDR must be IPV4:PORT .*got "garbage"\n$/);
  });

  it('no agent at the address: one line naming it, exit 1', async () => {
    // A port that was just free: bind, read the port, close.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const r = await members(['--http', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.equal(
      r.err,
      `hearsay: cannot reach the agent at 127.0.0.1:${port} (ECONNREFUSED); is \`hearsay agent\` running with --http 127.0.0.1:${port}?\n`,
    );
  });

  it('something that is not an agent: one line saying what was wrong, exit 1', async () => {
    const answers: [number, string, RegExp][] = [
      [200, 'hello', /answered 200 with a body that is not JSON/],
      [200, '{"a":1}', /did not answer a JSON array/],
      [
        200,
        '[{"name":"x","addr":"1.2.3.4","port":1,"tags":{},"state":"dead"}]',
        /member 0 state is not one of alive, suspect, leaving, left, failed/,
      ],
      [
        200,
        '[{"name":"x","addr":"1.2.3.4","port":1,"tags":{"a":1},"state":"alive"}]',
        /member 0 a tag value is not a string/,
      ],
      [
        200,
        '[{"name":"x","addr":"1.2.3.4","port":-1,"tags":{},"state":"alive"}]',
        /member 0 port is not an integer/,
      ],
      [
        404,
        '{"statusCode":404,"message":"no route GET /v1/members"}',
        /answered 404: no route GET \/v1\/members/,
      ],
    ];
    let next = 0;
    const server = createServer((_req, res) => {
      const [status, body] = answers[next]!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      for (const [, , expected] of answers) {
        const r = await members(['--http', `127.0.0.1:${port}`]);
        assert.equal(r.code, 1, r.err);
        assert.equal(r.err.split('\n').length, 2, r.err);
        assert.match(r.err, expected);
        next++;
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a bad --http is a usage error, exit 2', async () => {
    const r = await members(['--http', '127.0.0.1:0']);
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'hearsay: --http must be IPV4:PORT with PORT in [1, 65535] (e.g. 127.0.0.1:7946), got "127.0.0.1:0"\n',
    );
  });

  it('--status, --name and --tag filter as serf members does', async () => {
    const names = async (args: string[]) => {
      const r = await members(['--json', '--http', address, ...args]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { name: string }[]).map((m) => m.name);
    };
    assert.deepEqual(await names(['--status', 'failed,suspect']), ['web-10', 'web-2']);
    assert.deepEqual(await names(['--name', 'web-\\d']), ['web-2']);
    assert.deepEqual(await names(['--tag', 'role=web', '--tag', 'dc=eu']), ['web-10']);
    assert.deepEqual(await names(['--tag', 'role=lb|web', '--status', 'alive']), ['self']);
  });

  it('bad filters: --status locally (exit 2), a bad regexp by the agent (exit 1)', async () => {
    const status = await members(['--status', 'dead', '--http', address]);
    assert.equal(status.code, 2);
    assert.equal(
      status.err,
      'hearsay: --status must be one or more of alive, suspect, leaving, left, failed, comma-separated, got "dead"\n',
    );
    const tag = await members(['--tag', 'role', '--http', address]);
    assert.equal(tag.code, 2);
    assert.match(tag.err, /^hearsay: --tag must be KEY=REGEX/);
    const regexp = await members(['--name', '(', '--http', address]);
    assert.equal(regexp.code, 1);
    assert.match(regexp.err, /answered 400: querystring\/name must be a regular expression/);
  });

  it('--token for an agent that requires one', async () => {
    const token = 'members-token-0123456789';
    const secured = await listeningSetup([], { token });
    try {
      const without = await members(['--http', secured.address]);
      assert.equal(without.code, 1);
      assert.match(without.err, /answered 401/);
      const withToken = await members(['--http', secured.address, '--token', token]);
      assert.equal(withToken.code, 0, withToken.err);
      assert.match(withToken.out, /^NAME {4}ADDRESS {9}STATE {2}TAGS\nm-self {2}/);
    } finally {
      await secured.app.close();
    }
  });
});
