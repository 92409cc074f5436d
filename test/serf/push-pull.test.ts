/**
 * Serf's push/pull state (serf-layer.md §7): what we send, and how a received state turns
 * into clock witnesses and intents; plus the initial coordinate we put in acks (§9).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSerfMessage, encodeSerfMessage } from '../../src/membership/wire/serf/codec.ts';
import { decodePingPayload } from '../../src/membership/wire/serf/coordinate.ts';
import { DEFAULT_SERF_LIMITS } from '../../src/membership/wire/serf/limits.ts';
import type { SerfPushPull } from '../../src/membership/wire/serf/messages.ts';
import { INITIAL_COORDINATE_PAYLOAD } from '../../src/serf/coordinate.ts';
import { IntentBuffer } from '../../src/serf/intents.ts';
import { MemberTable } from '../../src/serf/member-table.ts';
import { localPushPull, planMerge } from '../../src/serf/push-pull.ts';

const node = (name: string) => ({
  name,
  ip: new Uint8Array([10, 0, 0, 1]),
  port: 7946,
  tags: new Map<string, string>(),
  vsn: null,
});

test('local state: clocks, every statusLTime, left members; re-decodes through the codec', () => {
  const table = new MemberTable(new IntentBuffer(8));
  table.memberlistJoin(node('a'));
  table.memberlistJoin(node('b'));
  table.memberlistJoin(node('c'));
  table.joinIntent('a', 4n, 0);
  table.leaveIntent('b', 6n, false, 0, 0);
  table.memberlistLeave('b', 0); // left
  table.memberlistLeave('c', 0); // failed
  const pp = localPushPull({ member: 9n, event: 2n, query: 3n }, table);
  assert.equal(pp.ltime, 9n);
  assert.equal(pp.eventLTime, 2n);
  assert.equal(pp.queryLTime, 3n);
  assert.deepEqual(
    pp.statusLTimes,
    new Map([
      ['a', 4n],
      ['b', 6n],
      ['c', 0n],
    ]),
  );
  assert.deepEqual(pp.leftMembers, ['b']);
  assert.deepEqual(pp.events, []);
  const bytes = encodeSerfMessage(pp);
  assert.equal(bytes[0], 2, 'Serf type pushPull');
  assert.deepEqual(decodeSerfMessage(bytes, DEFAULT_SERF_LIMITS), pp);
});

test('merge plan: witness value − 1, leave at statusLTime + 1 first, joins for the rest', () => {
  const pp: SerfPushPull = {
    type: 'pushPull',
    ltime: 10n,
    statusLTimes: new Map([
      ['x', 3n],
      ['y', 5n],
    ]),
    leftMembers: ['y', 'ghost'],
    eventLTime: 0n,
    events: null,
    queryLTime: 1n,
  };
  const plan = planMerge(pp);
  assert.deepEqual(plan.witness, { member: 9n, event: null, query: 0n });
  assert.deepEqual(plan.intents, [
    { type: 'leave', node: 'y', ltime: 6n },
    { type: 'leave', node: 'ghost', ltime: 1n },
    { type: 'join', node: 'x', ltime: 3n },
  ]);
});

test('merge plan of an empty state (nil maps) has no intents', () => {
  const plan = planMerge({
    type: 'pushPull',
    ltime: 0n,
    statusLTimes: null,
    leftMembers: null,
    eventLTime: 0n,
    events: null,
    queryLTime: 0n,
  });
  assert.deepEqual(plan.intents, []);
  assert.deepEqual(plan.witness, { member: null, event: null, query: null });
});

test("ack payload: Serf's initial coordinate, version 1, 8 dimensions, decodable", () => {
  assert.equal(INITIAL_COORDINATE_PAYLOAD[0], 1);
  const c = decodePingPayload(INITIAL_COORDINATE_PAYLOAD, DEFAULT_SERF_LIMITS);
  assert.deepEqual(c.vec, [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(c.error, 1.5);
  assert.equal(c.adjustment, 0);
  assert.equal(c.height, 10e-6);
});
