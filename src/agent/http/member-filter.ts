/**
 * Filters for `GET /v1/members`, as `serf members` has them: `status` (a state, or several
 * separated by commas, or the parameter repeated), `name` (a regular expression over the
 * node name) and `tag` (`KEY=REGEX`, repeatable: every one must match). A member passes when
 * it passes all of them.
 *
 * The patterns come from whoever can reach the API, so they run on src/serf's linear-time
 * matcher (a Thompson NFA over the RE2 subset that Serf's filters use), never on
 * JavaScript's backtracking `RegExp`: a pattern like `(a|a)*b` costs time linear in the name,
 * not exponential. Like Serf (`regexp.Compile("^" + expr + "$")`), a pattern must match the
 * whole value; a leading flag group such as `(?i)` stays in front of the anchor. A missing tag
 * is matched as the empty string, as Serf does. A pattern that does not compile, is longer
 * than `patternCharsMax`, or uses syntax outside the subset is a 400 naming the parameter.
 */

import { compileGoRegexp } from '../../serf/go-regexp.ts';
import { type AgentMember, type AgentMemberState, MEMBER_STATES } from '../cluster.ts';
import type { RawQuery } from './app.ts';
import { httpError } from './errors.ts';

export interface MemberFilterLimits {
  /** Longest `name` or tag pattern, characters. */
  readonly patternCharsMax: number;
  /** Most `tag` parameters in one request. */
  readonly tagFiltersMax: number;
}

export const MEMBER_FILTER_LIMITS_DEFAULT: MemberFilterLimits = {
  patternCharsMax: 256,
  tagFiltersMax: 16,
};

export type MemberPredicate = (m: AgentMember) => boolean;

const FLAG_GROUP = /^\(\?[is]+\)/;

function anchored(
  param: string,
  pattern: string,
  limits: MemberFilterLimits,
): (s: string) => boolean {
  if (pattern.length > limits.patternCharsMax) {
    throw httpError(
      400,
      `querystring/${param}`,
      `must be a pattern of at most ${limits.patternCharsMax} characters`,
    );
  }
  const flags = FLAG_GROUP.exec(pattern)?.[0] ?? '';
  const compiled = compileGoRegexp(`${flags}^(?:${pattern.slice(flags.length)})$`);
  if (!compiled.ok) {
    throw httpError(
      400,
      `querystring/${param}`,
      `must be a regular expression in the RE2 subset Serf's filters use (${compiled.reason}), got ${JSON.stringify(pattern)}`,
    );
  }
  return compiled.match;
}

function values(raw: string | readonly string[] | undefined): readonly string[] {
  if (raw === undefined) return [];
  return typeof raw === 'string' ? [raw] : raw;
}

const KNOWN = new Set(['status', 'name', 'tag']);

/** Compile the filters in `query`; throws a 400 naming the parameter at fault. */
export function memberFilter(
  query: RawQuery,
  limits: MemberFilterLimits = MEMBER_FILTER_LIMITS_DEFAULT,
): MemberPredicate {
  for (const key of Object.keys(query)) {
    if (!KNOWN.has(key) && key !== 'token') {
      throw httpError(400, `querystring/${key}`, 'is not a filter; use status, name or tag');
    }
  }
  const tests: MemberPredicate[] = [];

  const states = values(query.status).flatMap((v) => v.split(','));
  if (states.length > 0) {
    const wanted = new Set<AgentMemberState>();
    for (const s of states) {
      const state = MEMBER_STATES.find((x) => x === s.trim());
      if (state === undefined) {
        throw httpError(
          400,
          'querystring/status',
          `must be one of ${MEMBER_STATES.join(', ')} (comma-separated for several), got ${JSON.stringify(s)}`,
        );
      }
      wanted.add(state);
    }
    tests.push((m) => wanted.has(m.state));
  }

  const names = values(query.name);
  if (names.length > 1) throw httpError(400, 'querystring/name', 'may be given only once');
  if (names.length === 1) {
    const match = anchored('name', names[0]!, limits);
    tests.push((m) => match(m.name));
  }

  const tags = values(query.tag);
  if (tags.length > limits.tagFiltersMax) {
    throw httpError(400, 'querystring/tag', `may be given at most ${limits.tagFiltersMax} times`);
  }
  for (const t of tags) {
    const eq = t.indexOf('=');
    if (eq <= 0) {
      throw httpError(
        400,
        'querystring/tag',
        `must be KEY=REGEX with a non-empty KEY, got ${JSON.stringify(t.slice(0, 100))}`,
      );
    }
    const key = t.slice(0, eq);
    const match = anchored('tag', t.slice(eq + 1), limits);
    // hasOwn: a key such as `constructor` must not reach Object.prototype.
    tests.push((m) => match(Object.hasOwn(m.tags, key) ? (m.tags[key] ?? '') : ''));
  }

  return (m) => tests.every((test) => test(m));
}
