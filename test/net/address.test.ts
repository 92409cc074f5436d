/**
 * Addresses and the address book: IPv4 literals only, ports in range; self is id 0, new
 * addresses get fresh ids, and the book refuses strangers past `peersMax`.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRemoteError } from '../../src/core/errors.ts';
import { parseHostPort } from '../../src/net/address.ts';
import { AddressBook, SELF_ID } from '../../src/net/address-book.ts';

test('parseHostPort accepts IPv4:port and refuses the rest, naming the field', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:7946', 'peer'), { host: '127.0.0.1', port: 7946 });
  assert.deepEqual(parseHostPort('0.0.0.0:0', 'bind', true), { host: '0.0.0.0', port: 0 });
  for (const bad of [
    'localhost:1',
    '127.0.0.1',
    '127.0.0.1:',
    '::1:5',
    '1.2.3.4:65536',
    '1.2.3.4:-1',
    '1.2.3.4:1e3',
    '1.2.3.4:0',
  ]) {
    assert.throws(
      () => parseHostPort(bad, 'peer'),
      (err) =>
        isRemoteError(err) &&
        err.code === 'HEARSAY_ERR_CONFIG_INVALID' &&
        err.message.startsWith('peer:'),
      bad,
    );
  }
  assert.throws(
    () => parseHostPort('x', '--bind', true, 'HEARSAY_ERR_CLI_USAGE'),
    (err) => isRemoteError(err) && err.code === 'HEARSAY_ERR_CLI_USAGE',
  );
});

test('address book: self is 0, ids are assigned once and never reused', () => {
  const book = new AddressBook({ host: '127.0.0.1', port: 1000 }, 2);
  assert.equal(book.learn('127.0.0.1', 1000), SELF_ID);
  assert.equal(book.peerCount, 0);
  assert.equal(book.learn('127.0.0.1', 1001), 1);
  assert.equal(book.learn('127.0.0.2', 1000), 2);
  assert.equal(book.learn('127.0.0.1', 1001), 1);
  assert.deepEqual(book.peerIds, [1, 2]);
  assert.deepEqual(book.addressOf(2), { host: '127.0.0.2', port: 1000 });
  assert.equal(book.idOf('127.0.0.9', 1), undefined);
  assert.deepEqual(book.peerAddresses(), ['127.0.0.1:1001', '127.0.0.2:1000']);
});

test('address book: a stranger past peersMax is refused with HEARSAY_ERR_QUEUE_FULL', () => {
  const book = new AddressBook({ host: '127.0.0.1', port: 1000 }, 1);
  book.learn('127.0.0.1', 1001);
  assert.throws(
    () => book.learn('127.0.0.1', 1002),
    (err) => isRemoteError(err) && err.code === 'HEARSAY_ERR_QUEUE_FULL',
  );
  assert.equal(book.learn('127.0.0.1', 1001), 1, 'known peers still resolve');
});
