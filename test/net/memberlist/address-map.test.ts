/**
 * The bounded address map and the IP helpers under it: ids are stable and never reused,
 * IPv4-mapped IPv6 folds onto IPv4, least-recently-used unpinned entries are evicted, pinned
 * ones never are, and a table full of pinned entries refuses newcomers (NO_PEER, counted).
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NO_PEER } from '../../../src/core/protocol.ts';
import type { Member } from '../../../src/membership/types.ts';
import { BoundedAddressMap, SELF_ID } from '../../../src/net/memberlist/address-map.ts';
import { canonicalIp, endpointText, ipBytes, ipText } from '../../../src/net/memberlist/ip.ts';
import { MemberPins } from '../../../src/net/memberlist/member-pins.ts';

const SELF = { ip: new Uint8Array([10, 0, 0, 1]), port: 7946 };

function v4(d: number): Uint8Array {
  return new Uint8Array([10, 0, 0, d]);
}

describe('ip helpers', () => {
  test('literals to bytes and back', () => {
    const cases: [string, number[] | undefined, string][] = [
      ['127.0.0.1', [127, 0, 0, 1], '127.0.0.1'],
      ['::1', [...Array(15).fill(0), 1], '::1'],
      ['::', Array(16).fill(0), '::'],
      ['fe80::1:2', [0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2], 'fe80::1:2'],
      [
        '2001:db8:0:0:1:0:0:1',
        [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
        '2001:db8::1:0:0:1',
      ],
      ['[::1]', [...Array(15).fill(0), 1], '::1'],
      ['localhost', undefined, ''],
      ['1.2.3', undefined, ''],
    ];
    for (const [text, bytes, back] of cases) {
      const got = ipBytes(text);
      assert.deepEqual(got === undefined ? undefined : [...got], bytes, text);
      if (got !== undefined) assert.equal(ipText(got), back, text);
    }
  });

  test('IPv4-mapped IPv6 is the IPv4 address', () => {
    const mapped = ipBytes('::ffff:192.168.1.2')!;
    assert.equal(mapped.length, 16);
    assert.deepEqual([...canonicalIp(mapped)!], [192, 168, 1, 2]);
    assert.equal(ipText(mapped), '192.168.1.2');
    assert.equal(endpointText(mapped, 1), '192.168.1.2:1');
    assert.equal(endpointText(ipBytes('::1')!, 1), '[::1]:1');
    assert.equal(canonicalIp(new Uint8Array(5)), undefined);
  });
});

describe('BoundedAddressMap', () => {
  test('self is id 0; the same address always maps to the same id; ids are never reused', () => {
    const m = new BoundedAddressMap(SELF, 3);
    assert.equal(m.idOf(SELF.ip, SELF.port), SELF_ID);
    const a = m.idOf(v4(2), 1);
    assert.equal(m.idOf(v4(2), 1), a);
    const mapped = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2]);
    assert.equal(m.idOf(mapped, 1), a, 'v4-mapped folds onto v4');
    const b = m.idOf(v4(3), 1);
    const c = m.idOf(v4(4), 1); // evicts a (least recently used)
    assert.equal(m.size, 3);
    assert.equal(m.addressOf(a), undefined);
    const aAgain = m.idOf(v4(2), 1);
    assert.ok(aAgain > c && aAgain !== a, 'a returning address gets a fresh id');
    assert.equal(m.addressOf(b), undefined, 'b was then the least recently used');
    assert.deepEqual([...m.addressOf(c)!.ip], [10, 0, 0, 4]);
  });

  test('lookups and sends refresh recency', () => {
    const m = new BoundedAddressMap(SELF, 3);
    const a = m.idOf(v4(2), 1);
    const b = m.idOf(v4(3), 1);
    m.addressOf(a); // a is now more recent than b
    m.idOf(v4(4), 1);
    assert.notEqual(m.addressOf(a), undefined);
    assert.equal(m.addressOf(b), undefined);
  });

  test('pinned entries are never evicted; unpinned they are again', () => {
    const m = new BoundedAddressMap(SELF, 4);
    const member = m.idOf(v4(2), 1);
    m.pin(member);
    for (let port = 1; port <= 1000; port++) m.idOf(v4(99), port);
    assert.equal(m.size, 4);
    assert.notEqual(m.addressOf(member), undefined);
    assert.equal(m.addressOf(SELF_ID)?.port, SELF.port);
    assert.deepEqual(m.pinnedIds, [member]);
    m.unpin(member);
    assert.deepEqual(m.pinnedIds, []);
    for (let port = 1001; port <= 1004; port++) m.idOf(v4(99), port);
    assert.equal(m.addressOf(member), undefined);
  });

  test('a table full of pinned entries refuses a newcomer with NO_PEER, counted', () => {
    const m = new BoundedAddressMap(SELF, 3);
    m.pin(m.idOf(v4(2), 1));
    m.pin(m.idOf(v4(3), 1));
    assert.equal(m.idOf(v4(4), 1), NO_PEER);
    assert.equal(m.size, 3);
    assert.equal(m.refusals, 1);
  });

  test('pin/unpin keep the sampling list dense', () => {
    const m = new BoundedAddressMap(SELF, 10);
    const ids = [2, 3, 4, 5].map((d) => m.idOf(v4(d), 1));
    for (const id of ids) m.pin(id);
    m.unpin(ids[1]!);
    m.unpin(SELF_ID); // self stays pinned, and is never in the list
    assert.deepEqual([...m.pinnedIds].sort(), [ids[0], ids[2], ids[3]].sort());
    assert.ok(m.isPinned(SELF_ID));
  });

  test('addresses of the wrong length or port map to NO_PEER', () => {
    const m = new BoundedAddressMap(SELF);
    assert.equal(m.idOf(new Uint8Array(5), 1), NO_PEER);
    assert.equal(m.idOf(v4(1), 70000), NO_PEER);
    assert.equal(m.refusals, 2);
  });
});

describe('MemberPins', () => {
  function member(name: string, d: number, port = 1): Member {
    return {
      name,
      ip: v4(d),
      port,
      meta: null,
      incarnation: 1,
      state: 'alive',
      stateChangedAtMs: 0,
      vsn: null,
    };
  }

  test('a member is pinned from join to reap; a move unpins the old address; self is never tracked', () => {
    const m = new BoundedAddressMap(SELF, 100);
    const pins = new MemberPins(m);
    pins.pin(member('b', 2));
    const first = m.lookup(v4(2), 1)!;
    assert.ok(m.isPinned(first));
    pins.pin(member('b', 3)); // b moved
    assert.ok(!m.isPinned(first));
    assert.ok(m.isPinned(m.lookup(v4(3), 1)!));
    pins.pin({ ...member('self', 1), ip: SELF.ip, port: SELF.port });
    assert.equal(pins.size, 1);
    pins.unpin('b');
    assert.deepEqual(m.pinnedIds, []);
    pins.unpin('unknown');
  });
});
