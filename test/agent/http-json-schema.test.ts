/**
 * The API's own JSON Schema subset (src/agent/http/json-schema.ts) against Ajv, which fastify
 * used before: on schemas with every keyword the routes use, random and near-valid bodies get
 * the same verdict and the same first error, in Ajv's words, from both.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { compileSchema, compileSerializer } from '../../src/agent/http/json-schema.ts';
import { MEMBER_SCHEMA } from '../../src/agent/http/members-route.ts';

/** Every keyword the routes use, shaped like their bodies. */
const SCHEMAS: Record<string, unknown> = {
  event: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 8 },
      payload: { type: 'string', maxLength: 16 },
      coalesce: { type: 'boolean' },
    },
  },
  join: {
    type: 'object',
    required: ['addrs'],
    additionalProperties: false,
    properties: {
      addrs: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string', maxLength: 6 } },
      replay: { type: 'boolean' },
    },
  },
  query: {
    type: 'object',
    required: ['name', 'timeoutMs'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      filterTags: {
        type: 'object',
        maxProperties: 2,
        minProperties: 1,
        additionalProperties: { type: 'string', maxLength: 4 },
      },
      timeoutMs: { type: 'integer', minimum: 1, maximum: 1000 },
      ratio: { type: 'number', minimum: 0, maximum: 1 },
      mode: { enum: ['a', 'b'] },
      primary: { type: ['string', 'null'] },
    },
  },
  member: MEMBER_SCHEMA,
};

const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: false });

/** The keywords of `schema` a body can fail on (what the generator must reach). */
function keywordsIn(schema: unknown): string[] {
  const found = new Set<string>();
  const walk = (x: unknown): void => {
    if (typeof x !== 'object' || x === null) return;
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k === 'properties') Object.values(o[k] as object).forEach(walk);
      else if (k === 'items') walk(o[k]);
      else if (k === 'additionalProperties') {
        if (o[k] === false) found.add(k);
        else walk(o[k]);
      } else found.add(k);
    }
  };
  walk(schema);
  return [...found];
}

/** Any JSON leaf, for a value of the wrong type. */
const leaf = fc.oneof(
  fc.constantFrom('', 'a', 'alive', 'a/b~c', '😀'),
  fc.constantFrom(0, 1, 1.5, -1, 2 ** 53),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
);

/** Strings around `min` and `max` characters, some of them characters beyond the BMP. */
function nearString(min = 0, max = 12): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: Math.max(0, min - 1), max: max + 1 }), fc.constantFrom('a', '😀', 'é'))
    .map(([n, c]) => c.repeat(n));
}

/** Values near what `schema` accepts: mostly well formed, at the limits, now and then not. */
function near(schema: Record<string, unknown>): fc.Arbitrary<unknown> {
  const types = [schema.type].flat();
  const ok: fc.Arbitrary<unknown>[] = [];
  if (Array.isArray(schema.enum)) ok.push(fc.constantFrom(...schema.enum, ...schema.enum, 'x'));
  for (const t of types) {
    if (t === 'string') {
      ok.push(nearString(schema.minLength as number, (schema.maxLength as number) ?? 12));
    } else if (t === 'integer' || t === 'number') {
      const lo = (schema.minimum as number) ?? -5;
      const hi = (schema.maximum as number) ?? 5;
      const inside = fc.constantFrom(lo, hi, Math.floor((lo + hi) / 2));
      const outside = fc.constantFrom(lo - 1, hi + 1, lo + 0.5);
      ok.push(fc.oneof({ arbitrary: inside, weight: 4 }, { arbitrary: outside, weight: 1 }));
    } else if (t === 'boolean') {
      ok.push(fc.boolean());
    } else if (t === 'null') {
      ok.push(fc.constant(null));
    } else if (t === 'array') {
      const items = near(schema.items as Record<string, unknown>);
      ok.push(fc.array(items, { maxLength: ((schema.maxItems as number) ?? 3) + 1 }));
    } else if (t === 'object') {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const extra = schema.additionalProperties;
      const entries = Object.fromEntries(Object.entries(props).map(([k, sub]) => [k, near(sub)]));
      const required = (schema.required ?? []) as string[];
      // Mostly with the required properties, sometimes without.
      const known = fc.oneof(
        { arbitrary: fc.record(entries, { requiredKeys: required }), weight: 4 },
        { arbitrary: fc.record(entries, { requiredKeys: [] }), weight: 1 },
      );
      const others = fc.dictionary(
        fc.constantFrom('x', 'a/b', '__proto__', 'role'),
        typeof extra === 'object' ? near(extra as Record<string, unknown>) : leaf,
        { maxKeys: typeof extra === 'object' ? 3 : 1 },
      );
      ok.push(
        fc
          .tuple(
            known,
            // Other properties: most of the time where a schema describes them, seldom where
            // they are refused or unconstrained.
            fc.oneof(
              { arbitrary: others, weight: typeof extra === 'object' ? 4 : 1 },
              { arbitrary: fc.constant({}), weight: typeof extra === 'object' ? 1 : 8 },
            ),
          )
          .map(([k, o]) => JSON.parse(JSON.stringify({ ...o, ...k })) as unknown),
      );
    }
  }
  return fc.oneof({ arbitrary: fc.oneof(...ok), weight: 12 }, { arbitrary: leaf, weight: 1 });
}

describe('the API JSON Schema subset', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`agrees with Ajv on ${name} bodies: verdict, error path and message`, () => {
      const ours = compileSchema(schema);
      const theirs = ajv.compile(schema as object);
      const seen = new Set<string>();
      let valid = 0;
      const RUNS = 3000;
      fc.assert(
        fc.property(near(schema as Record<string, unknown>), (body) => {
          const data = JSON.parse(JSON.stringify(body)) as unknown;
          const ok = ours(data);
          assert.equal(ok, theirs(data), JSON.stringify(theirs.errors));
          if (ok) {
            valid++;
            return;
          }
          const [mine] = ours.errors!;
          const [want] = theirs.errors!;
          seen.add(mine!.keyword);
          assert.deepEqual(
            [mine!.instancePath, mine!.message],
            [want!.instancePath, want!.message],
          );
        }),
        { numRuns: RUNS, seed: 20261121 },
      );
      // The comparison is worth something only if it reached every check the schema has.
      assert.ok(valid > RUNS / 50, `only ${valid} valid bodies`);
      assert.deepEqual([...seen].sort(), keywordsIn(schema).sort());
    });
  }

  it('refuses a schema with a keyword it does not check', () => {
    assert.throws(
      () => compileSchema({ type: 'string', pattern: '^a' }),
      /keyword 'pattern' is not supported/,
    );
    assert.throws(
      () => compileSchema({ type: 'object', properties: { a: { format: 'uri' } } }),
      /#\/properties\/a: keyword 'format'/,
    );
    assert.throws(() => compileSchema({ type: 'text' }), /type must be a JSON type name/);
    assert.throws(() => compileSchema({ maxLength: '5' }), /maxLength must be a finite number/);
  });

  it('cuts an answer to its schema, as fast-json-stringify did', () => {
    const serialize = compileSerializer({
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    });
    const out = serialize([{ name: 'a', secret: 's', tags: { role: 'db' } }, { tags: {} }]);
    assert.equal(out, '[{"name":"a","tags":{"role":"db"}},{"tags":{}}]');
    const protoTag = JSON.parse('{"name":"b","tags":{"__proto__":"x"}}') as unknown;
    assert.equal(serialize([protoTag]), '[{"name":"b","tags":{"__proto__":"x"}}]');
  });
});
