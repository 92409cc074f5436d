/**
 * Coalescing as Serf's agent does it, on mocked timers: a burst of coalescable user events
 * of one name becomes its newest; non-coalescable ones pass at once; the window flushes a
 * steady trickle and the quiet period a burst that stops; member events keep the latest
 * per member, grouped by type, and a repeat of what was handed on is dropped (but not an
 * update); 0 turns coalescing off; the held-entries bound flushes early.
 */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { AgentMemberEvent, AgentUserEvent } from '../../src/agent/agent-events.ts';
import type { MemberEvent } from '../../src/agent/cluster.ts';
import { Coalescer, memberEventPolicy, userEventPolicy } from '../../src/agent/coalesce.ts';
import { member } from './fake-cluster.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function user(name: string, ltime: bigint, payload: string, coalesce = true): AgentUserEvent {
  return { type: 'user', name, payload: text(payload), ltime, coalesce };
}

function users(periodMs: number, quiescentMs: number, heldMax?: number) {
  const out: string[] = [];
  const c = new Coalescer<AgentUserEvent, AgentUserEvent>({
    policy: userEventPolicy(),
    periodMs,
    quiescentMs,
    heldMax,
    pass: (e) => out.push(`pass ${e.name}:${str(e.payload)}`),
    emit: (e) => out.push(`emit ${e.name}:${str(e.payload)}`),
  });
  return { c, out };
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

describe('user event coalescing', () => {
  it('five coalescable events of one name in a burst: one, the newest, after the quiet period', () => {
    const { c, out } = users(3_000, 1_000);
    for (let i = 1; i <= 5; i++) c.push(user('deploy', BigInt(i), `v${i}`));
    assert.deepEqual(out, []);
    mock.timers.tick(999);
    assert.deepEqual(out, []);
    mock.timers.tick(1);
    assert.deepEqual(out, ['emit deploy:v5']);
  });

  it('non-coalescable events pass at once, all five, even among held ones', () => {
    const { c, out } = users(3_000, 1_000);
    c.push(user('deploy', 1n, 'held'));
    for (let i = 1; i <= 5; i++) c.push(user('deploy', BigInt(i + 1), `n${i}`, false));
    assert.deepEqual(out, [
      'pass deploy:n1',
      'pass deploy:n2',
      'pass deploy:n3',
      'pass deploy:n4',
      'pass deploy:n5',
    ]);
    mock.timers.tick(1_000);
    assert.equal(out.at(-1), 'emit deploy:held');
  });

  it('per name: the newest Lamport time wins (arrival order does not), equal times all kept', () => {
    const { c, out } = users(3_000, 1_000);
    c.push(user('a', 5n, 'a5'));
    c.push(user('a', 3n, 'a3'));
    c.push(user('b', 2n, 'b2'));
    c.push(user('b', 2n, 'b2bis'));
    c.flush();
    assert.deepEqual(out, ['emit a:a5', 'emit b:b2', 'emit b:b2bis']);
  });

  it('a steady trickle is flushed at the end of each window', () => {
    const { c, out } = users(3_000, 1_000);
    for (let i = 1; i <= 6; i++) {
      c.push(user('tick', BigInt(i), `t${i}`));
      mock.timers.tick(600);
    }
    // Window opened at 0, closed at 3000 with t5 (pushed at 2400); t6 opened the next one.
    assert.deepEqual(out, ['emit tick:t5']);
    mock.timers.tick(1_000);
    assert.deepEqual(out, ['emit tick:t5', 'emit tick:t6']);
  });

  it('a period or quiet time of 0 turns coalescing off', () => {
    for (const [p, q] of [
      [0, 1_000],
      [3_000, 0],
    ] as const) {
      const { c, out } = users(p, q);
      c.push(user('x', 1n, '1'));
      c.push(user('x', 2n, '2'));
      assert.deepEqual(out, ['pass x:1', 'pass x:2']);
      assert.equal(c.enabled, false);
    }
  });

  it('holding heldMax names flushes early', () => {
    const { c, out } = users(3_000, 1_000, 2);
    c.push(user('a', 1n, 'a'));
    c.push(user('b', 2n, 'b'));
    c.push(user('c', 3n, 'c'));
    assert.deepEqual(out, ['emit a:a', 'emit b:b']);
  });
});

describe('member event coalescing', () => {
  function members() {
    const out: AgentMemberEvent[] = [];
    const c = new Coalescer<MemberEvent, AgentMemberEvent>({
      policy: memberEventPolicy(),
      periodMs: 3_000,
      quiescentMs: 1_000,
      pass: () => assert.fail('member events are always held'),
      emit: (e) => out.push(e),
    });
    const text = () => out.map((e) => `${e.type} ${e.members.map((m) => m.name).join(',')}`);
    return { c, out, text };
  }

  it('the latest per member, one event per type with all its members, joins first', () => {
    const { c, text } = members();
    c.push({ type: 'member-join', member: member('a', 1) });
    c.push({ type: 'member-join', member: member('b', 2) });
    c.push({ type: 'member-failed', member: member('c', 3, 'failed') });
    c.push({ type: 'member-join', member: member('c', 3) });
    c.push({ type: 'member-failed', member: member('d', 4, 'failed') });
    mock.timers.tick(1_000);
    assert.deepEqual(text(), ['member-join a,b,c', 'member-failed d']);
  });

  it('a repeat of the type last handed on for a member is dropped, an update is not', () => {
    const { c, text } = members();
    c.push({ type: 'member-join', member: member('a', 1) });
    c.push({ type: 'member-update', member: member('b', 2) });
    c.flush();
    c.push({ type: 'member-join', member: member('a', 1) });
    c.push({ type: 'member-update', member: member('b', 2) });
    c.flush();
    c.push({ type: 'member-failed', member: member('a', 1, 'failed') });
    c.flush();
    assert.deepEqual(text(), [
      'member-join a',
      'member-update b',
      'member-update b',
      'member-failed a',
    ]);
  });
});
