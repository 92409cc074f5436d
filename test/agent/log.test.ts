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
});
