/**
 * The RE2-subset matcher for Serf's tag filters: Go's `regexp.MatchString` semantics
 * (unanchored search) on a table of patterns, unsupported syntax reported, and linear time
 * on patterns that make a backtracking engine explode.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGoRegexp } from '../../src/serf/go-regexp.ts';

const match = (pattern: string, s: string): boolean => {
  const re = compileGoRegexp(pattern);
  assert.ok(re.ok, `${pattern} should compile: ${re.ok ? '' : re.reason}`);
  return re.match(s);
};

test('matches like Go regexp.MatchString (unanchored search)', () => {
  const cases: [string, string, boolean][] = [
    ['web', 'web', true],
    ['web', 'webserver', true],
    ['web', 'db', false],
    ['^web$', 'webserver', false],
    ['^web', 'webserver', true],
    ['server$', 'webserver', true],
    ['', 'anything', true],
    ['', '', true],
    ['^$', '', true],
    ['^$', 'x', false],
    ['a.c', 'abc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['web|db', 'db-1', true],
    ['^(web|db)-[0-9]+$', 'db-12', true],
    ['^(web|db)-[0-9]+$', 'db-', false],
    ['^(?:web|db)-\\d{2}$', 'web-07', true],
    ['^(?P<kind>web|db)$', 'web', true],
    ['^a{2,3}$', 'a', false],
    ['^a{2,3}$', 'aa', true],
    ['^a{2,3}$', 'aaa', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^a{2,}$', 'aaaaa', true],
    ['^a{2}$', 'aa', true],
    ['^a*?b+?c??$', 'aabb', true],
    ['[^a-c]', 'abc', false],
    ['[^a-c]', 'abcd', true],
    ['[a\\-z]', '-', true],
    ['[]a]', ']', true],
    ['\\.', 'a.b', true],
    ['\\.', 'ab', false],
    ['^\\w+\\s\\W$', 'ab !', true],
    ['(?i)^WEB$', 'web', true],
    ['^WEB$', 'web', false],
    ['x{', 'x{', true], // a "{" that is no repeat is a literal, as in Go
    ['\\Aab\\z', 'ab', true],
    ['(a*)*b', 'aaab', true],
    ['^é+$', 'éé', true],
  ];
  for (const [pattern, s, want] of cases) {
    assert.equal(match(pattern, s), want, `${pattern} on ${JSON.stringify(s)}`);
  }
});

test('invalid or unsupported patterns compile to ok: false (the filter does not match)', () => {
  for (const pattern of [
    '(',
    'a)',
    '*a',
    'a**',
    '[a',
    '[z-a]',
    'a{3,2}',
    '\\b',
    '[[:alpha:]]',
    'a{1001}',
    '\\',
    '(?x)a',
  ]) {
    assert.equal(compileGoRegexp(pattern).ok, false, pattern);
  }
  assert.equal(compileGoRegexp('a'.repeat(5000)).ok, false, 'pattern length limit');
  assert.equal(compileGoRegexp('(a{1000}){1000}').ok, false, 'program size limit');
});

test('linear time: (a|a)*b and (a+)+$ on long inputs finish at once', () => {
  const long = 'a'.repeat(5000);
  const started = process.hrtime.bigint();
  assert.equal(match('(a|a)*b', long), false);
  assert.equal(match('^(a+)+$', `${long}!`), false);
  assert.equal(match('^(a*)*$', long), true);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 2000, `took ${ms} ms`);
});
