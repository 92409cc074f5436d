/** The agent's log lines: pino JSON with --log-json, one readable line per record otherwise. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAgentLogger, humanLine } from '../../src/agent/log.ts';
import { RemoteError } from '../../src/core/errors.ts';
import { logSink } from './fake-cluster.ts';

describe('agent logs', () => {
  it('JSON: one pino record per line, with the node name and the fields given', () => {
    const sink = logSink();
    const log = createAgentLogger({ level: 'info', json: true, nodeName: 'n1', write: sink.write });
    log.info({ member: 'b', tags: { role: 'web' } }, 'member-join b');
    log.debug('hidden below the level');
    assert.equal(sink.lines.length, 1);
    const rec = JSON.parse(sink.lines[0]!) as Record<string, unknown>;
    assert.equal(rec.level, 30);
    assert.equal(rec.node, 'n1');
    assert.equal(rec.msg, 'member-join b');
    assert.equal(rec.member, 'b');
    assert.deepEqual(rec.tags, { role: 'web' });
    assert.equal(typeof rec.time, 'number');
  });

  it('human: time, level, message, then key=value (quoted when needed)', () => {
    const sink = logSink();
    const log = createAgentLogger({
      level: 'info',
      json: false,
      nodeName: 'n1',
      write: sink.write,
    });
    log.warn({ member: 'b', addr: '127.0.0.1:7001', note: 'two words', tags: { a: '1' } }, 'hello');
    assert.equal(sink.lines.length, 1);
    assert.match(
      sink.lines[0]!,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[WARN\] hello member=b addr=127\.0\.0\.1:7001 note="two words" tags=\{"a":"1"\}\n$/,
    );
  });

  it('human: an outside fault shows its message and code, a bug its stack', () => {
    const expected = humanLine({
      level: 50,
      time: 0,
      msg: 'join failed',
      err: { message: 'bad', code: 'HEARSAY_ERR_SOCKET', stack: 'RemoteError: bad\n    at x' },
    });
    assert.equal(
      expected,
      '1970-01-01T00:00:00.000Z [ERROR] join failed err=bad code=HEARSAY_ERR_SOCKET\n',
    );
    const bug = humanLine({
      level: 50,
      time: 0,
      msg: 'oops',
      err: { message: 'x', stack: 'Error: x\n    at y' },
    });
    assert.equal(bug, '1970-01-01T00:00:00.000Z [ERROR] oops err=x\n    Error: x\n        at y\n');
  });

  it('errors passed as err are serialized with their code', () => {
    const sink = logSink();
    const log = createAgentLogger({ level: 'info', json: true, nodeName: 'n', write: sink.write });
    log.error({ err: new RemoteError('HEARSAY_ERR_SOCKET', 'EADDRINUSE') }, 'bind failed');
    const rec = JSON.parse(sink.lines[0]!) as { err: { code: string; message: string } };
    assert.equal(rec.err.code, 'HEARSAY_ERR_SOCKET');
    assert.equal(rec.err.message, 'EADDRINUSE');
  });

  it('child loggers add their bindings; levels below the threshold write nothing', () => {
    const sink = logSink();
    const log = createAgentLogger({ level: 'warn', json: true, nodeName: 'n', write: sink.write });
    const child = log.child({ component: 'http' }).child({ route: '/v1/members' });
    assert.equal(log.isLevelEnabled('info'), false);
    assert.equal(log.isLevelEnabled('error'), true);
    child.info('hidden');
    child.warn({ status: 503 }, 'closing');
    assert.equal(sink.lines.length, 1);
    const rec = JSON.parse(sink.lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec), [
      'level',
      'time',
      'node',
      'component',
      'route',
      'status',
      'msg',
    ]);
    assert.equal(rec.component, 'http');
    assert.equal(rec.route, '/v1/members');
  });

  it('an Error as the only argument is logged as err with its message; causes are kept', () => {
    const sink = logSink();
    const log = createAgentLogger({ level: 'info', json: true, nodeName: 'n', write: sink.write });
    const err = new RemoteError('HEARSAY_ERR_SOCKET', 'bind failed', {
      cause: new Error('EADDRINUSE'),
    });
    log.error(err);
    const rec = JSON.parse(sink.lines[0]!) as {
      msg: string;
      err: { type: string; code: string; stack: string; cause: { message: string } };
    };
    assert.equal(rec.msg, 'bind failed');
    assert.equal(rec.err.type, 'RemoteError');
    assert.equal(rec.err.code, 'HEARSAY_ERR_SOCKET');
    assert.match(rec.err.stack, /^RemoteError: bind failed/);
    assert.equal(rec.err.cause.message, 'EADDRINUSE');
  });

  it('a record JSON cannot hold (a cycle, a bigint) is still written, not thrown', () => {
    for (const json of [true, false]) {
      const sink = logSink();
      const log = createAgentLogger({ level: 'info', json, nodeName: 'n', write: sink.write });
      const loop: Record<string, unknown> = { name: 'loop' };
      loop.self = loop;
      log.info({ loop, big: 2n ** 70n }, 'odd fields');
      assert.equal(sink.lines.length, 1);
      assert.match(sink.lines[0]!, /odd fields/);
      assert.match(sink.lines[0]!, /1180591620717411303424/);
      assert.match(sink.lines[0]!, /\[Circular\]/);
    }
  });
});
