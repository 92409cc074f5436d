/**
 * The control channel's pure parts: one line → one typed command or a
 * HEARSAY_ERR_CONTROL_INVALID naming the problem; lines split under a named limit.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRemoteError } from '../../src/core/errors.ts';
import { LineSplitter, parseControlLine } from '../../src/net/control.ts';

test('valid commands parse', () => {
  assert.deepEqual(parseControlLine('{"cmd":"peers","peers":["127.0.0.1:5"]}'), {
    cmd: 'peers',
    peers: ['127.0.0.1:5'],
  });
  assert.deepEqual(parseControlLine('{"cmd":"publish","id":"r1","data":"AQID"}'), {
    cmd: 'publish',
    id: 'r1',
    data: new Uint8Array([1, 2, 3]),
  });
  assert.deepEqual(parseControlLine('{"cmd":"publish","id":"r2"}'), {
    cmd: 'publish',
    id: 'r2',
    data: new Uint8Array(0),
  });
  assert.deepEqual(parseControlLine('{"cmd":"stats"}'), { cmd: 'stats' });
  assert.deepEqual(parseControlLine('{"cmd":"stop"}'), { cmd: 'stop' });
});

const BAD: readonly [string, RegExp][] = [
  ['nope', /not JSON/],
  ['[1]', /JSON object/],
  ['null', /JSON object/],
  ['{"cmd":"launch"}', /unknown cmd "launch"/],
  ['{}', /unknown cmd undefined/],
  ['{"cmd":"peers"}', /peers: "peers" must be an array/],
  ['{"cmd":"peers","peers":[1]}', /must be an array/],
  ['{"cmd":"peers","peers":["example.org:1"]}', /expected IPV4:PORT/],
  ['{"cmd":"peers","peers":["127.0.0.1:0"]}', /port must be/],
  ['{"cmd":"publish","id":""}', /"id" must be a non-empty string/],
  ['{"cmd":"publish","id":"\\ud800"}', /"id" must be a non-empty string/],
  ['{"cmd":"publish","id":"a","data":"a"}', /base64/],
  ['{"cmd":"publish","id":"a","data":7}', /base64/],
];

for (const [line, message] of BAD) {
  test(`refused: ${line}`, () => {
    assert.throws(
      () => parseControlLine(line),
      (err) =>
        isRemoteError(err) &&
        err.code === 'HEARSAY_ERR_CONTROL_INVALID' &&
        message.test(err.message),
    );
  });
}

test('lines split across chunks; blank lines skipped; CRLF tolerated', () => {
  const s = new LineSplitter(64);
  const lines: string[] = [];
  for (const chunk of ['{"a"', ':1}\r\n\n{"b":2}\n{"c"', ':3}\n']) {
    s.push(
      Buffer.from(chunk),
      (l) => lines.push(l),
      () => assert.fail('not overlong'),
    );
  }
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('an overlong line is reported once and skipped to its newline; the next line is fine', () => {
  const s = new LineSplitter(8);
  const lines: string[] = [];
  const overlong: number[] = [];
  s.push(
    Buffer.from('0123456'),
    (l) => lines.push(l),
    (n) => overlong.push(n),
  );
  s.push(
    Buffer.from('789abcdef'),
    (l) => lines.push(l),
    (n) => overlong.push(n),
  );
  s.push(
    Buffer.from('ghij\nok\n'),
    (l) => lines.push(l),
    (n) => overlong.push(n),
  );
  assert.deepEqual(overlong, [16]);
  assert.deepEqual(lines, ['ok']);
});
