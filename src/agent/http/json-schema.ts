/**
 * The HTTP API's request validation and response serialization (app.ts compiles each
 * route's schemas with these when the route is added).
 *
 * Why not Ajv: the routes' schemas use a dozen keywords of JSON Schema, and Ajv with
 * fast-json-stringify, their code generators and their dependencies cost an idle agent
 * about 4.6 MiB of RSS, a seventeenth of it (bench/RESULTS.md, "2026-11-21 (stop 10)").
 * `compileSchema` accepts exactly the subset below and throws on any other keyword, so a
 * route that needs more fails when the server is built rather than being half-checked.
 *
 * A failed check reports its first error as Ajv does with `allErrors: false`, in Ajv's
 * words and order (the type, then `enum`, then the keywords of the value's kind in Ajv's
 * rule order), so the app writes the same `body/name must be string` the API always
 * answered. Lengths count code points, as Ajv's do. Nothing is coerced, defaulted
 * or removed: a body is accepted as sent, or refused.
 *
 * Responses are cut to their schema, then `JSON.stringify`d: an object keeps only the
 * properties its schema declares (and others only where `additionalProperties` is given),
 * as fast-json-stringify did, so a field the cluster adds never leaks into the API.
 */

/** One validation failure, in Ajv's shape (app.ts writes `body${instancePath} ${message}`). */
export interface SchemaError {
  /** JSON Pointer to the value within the request part ('' for the part itself). */
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
}

/** A compiled check: true when `data` conforms; otherwise false, with `errors` set. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors: SchemaError[] | null;
}

type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

/** A node of the subset, checked once at compile time. */
interface Node {
  /** The JSON types allowed (`type` as one name or a list), or undefined for any. */
  readonly types: readonly JsonType[] | undefined;
  readonly enumValues: readonly unknown[] | undefined;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  readonly items: Node | undefined;
  readonly minProperties: number | undefined;
  readonly maxProperties: number | undefined;
  readonly required: readonly string[];
  readonly properties: ReadonlyMap<string, Node>;
  /**
   * `false`: no other property; a node: what every other property must be; `true` or not
   * given: any. A response keeps other properties only when it is `true` or a node.
   */
  readonly additional: boolean | Node | undefined;
}

const TYPES: ReadonlySet<string> = new Set([
  'object',
  'array',
  'string',
  'integer',
  'number',
  'boolean',
  'null',
]);
const KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'items',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  // Annotations: no effect on validation.
  'description',
  'title',
]);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function limit(schema: Record<string, unknown>, key: string, at: string): number | undefined {
  const v = schema[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`schema ${at}: ${key} must be a finite number`);
  }
  return v;
}

function compileNode(schema: unknown, at: string): Node {
  if (!isRecord(schema)) throw new Error(`schema ${at}: expected an object`);
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key)) throw new Error(`schema ${at}: keyword '${key}' is not supported`);
  }
  const type = schema.type;
  const types = type === undefined ? undefined : Array.isArray(type) ? type : [type];
  if (types !== undefined && !types.every((t) => typeof t === 'string' && TYPES.has(t))) {
    throw new Error(`schema ${at}: type must be a JSON type name or a list of them`);
  }
  const enumValues = schema.enum;
  if (enumValues !== undefined && !Array.isArray(enumValues)) {
    throw new Error(`schema ${at}: enum must be an array`);
  }
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
    throw new Error(`schema ${at}: required must be an array of names`);
  }
  const properties = new Map<string, Node>();
  if (schema.properties !== undefined) {
    if (!isRecord(schema.properties)) throw new Error(`schema ${at}: properties must be an object`);
    for (const [name, sub] of Object.entries(schema.properties)) {
      properties.set(name, compileNode(sub, `${at}/properties/${name}`));
    }
  }
  const extra = schema.additionalProperties;
  const additional =
    extra === undefined || typeof extra === 'boolean'
      ? extra
      : compileNode(extra, `${at}/additionalProperties`);
  return {
    types: types as JsonType[] | undefined,
    enumValues: enumValues as unknown[] | undefined,
    minimum: limit(schema, 'minimum', at),
    maximum: limit(schema, 'maximum', at),
    minLength: limit(schema, 'minLength', at),
    maxLength: limit(schema, 'maxLength', at),
    minItems: limit(schema, 'minItems', at),
    maxItems: limit(schema, 'maxItems', at),
    items: schema.items === undefined ? undefined : compileNode(schema.items, `${at}/items`),
    minProperties: limit(schema, 'minProperties', at),
    maxProperties: limit(schema, 'maxProperties', at),
    required: required as string[],
    properties,
    additional,
  };
}

function typeMatches(type: JsonType, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isRecord(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
  }
}

/** Code points, not UTF-16 units: a character outside the BMP counts once, as in Ajv. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

const fail = (instancePath: string, keyword: string, message: string): SchemaError => ({
  instancePath,
  keyword,
  message,
});

/** The first error in `v` against `node`, or undefined when it conforms. */
function check(node: Node, v: unknown, path: string): SchemaError | undefined {
  if (node.types !== undefined && !node.types.some((t) => typeMatches(t, v))) {
    return fail(path, 'type', `must be ${node.types.join(',')}`);
  }
  if (node.enumValues !== undefined && !node.enumValues.some((e) => e === v)) {
    return fail(path, 'enum', 'must be equal to one of the allowed values');
  }
  if (typeof v === 'number') {
    if (node.maximum !== undefined && !(v <= node.maximum)) {
      return fail(path, 'maximum', `must be <= ${node.maximum}`);
    }
    if (node.minimum !== undefined && !(v >= node.minimum)) {
      return fail(path, 'minimum', `must be >= ${node.minimum}`);
    }
  } else if (typeof v === 'string') {
    const length = node.maxLength === undefined && node.minLength === undefined ? 0 : codePoints(v);
    if (node.maxLength !== undefined && length > node.maxLength) {
      return fail(path, 'maxLength', `must NOT have more than ${node.maxLength} characters`);
    }
    if (node.minLength !== undefined && length < node.minLength) {
      return fail(path, 'minLength', `must NOT have fewer than ${node.minLength} characters`);
    }
  } else if (Array.isArray(v)) {
    if (node.maxItems !== undefined && v.length > node.maxItems) {
      return fail(path, 'maxItems', `must NOT have more than ${node.maxItems} items`);
    }
    if (node.minItems !== undefined && v.length < node.minItems) {
      return fail(path, 'minItems', `must NOT have fewer than ${node.minItems} items`);
    }
    if (node.items !== undefined) {
      for (let i = 0; i < v.length; i++) {
        const e = check(node.items, v[i], pointer(path, i));
        if (e !== undefined) return e;
      }
    }
  } else if (isRecord(v)) {
    return checkObject(node, v, path);
  }
  return undefined;
}

function checkObject(
  node: Node,
  v: Record<string, unknown>,
  path: string,
): SchemaError | undefined {
  const keys = Object.keys(v);
  if (node.maxProperties !== undefined && keys.length > node.maxProperties) {
    return fail(path, 'maxProperties', `must NOT have more than ${node.maxProperties} properties`);
  }
  if (node.minProperties !== undefined && keys.length < node.minProperties) {
    return fail(path, 'minProperties', `must NOT have fewer than ${node.minProperties} properties`);
  }
  for (const name of node.required) {
    if (!Object.hasOwn(v, name)) {
      return fail(path, 'required', `must have required property '${name}'`);
    }
  }
  if (node.additional !== true && node.additional !== undefined) {
    for (const key of keys) {
      if (node.properties.has(key)) continue;
      if (node.additional === false) {
        return fail(path, 'additionalProperties', 'must NOT have additional properties');
      }
      const e = check(node.additional, v[key], pointer(path, key));
      if (e !== undefined) return e;
    }
  }
  for (const [name, sub] of node.properties) {
    if (!Object.hasOwn(v, name)) continue;
    const e = check(sub, v[name], pointer(path, name));
    if (e !== undefined) return e;
  }
  return undefined;
}

/** Compiles `schema` (the subset above; anything else throws) into a validator. */
export function compileSchema(schema: unknown): SchemaValidator {
  const root = compileNode(schema, '#');
  const validate = ((data: unknown): boolean => {
    const error = check(root, data, '');
    validate.errors = error === undefined ? null : [error];
    return error === undefined;
  }) as SchemaValidator;
  validate.errors = null;
  return validate;
}

/** `v` cut to `node`: objects to their declared properties, arrays element by element. */
function project(node: Node, v: unknown): unknown {
  if (Array.isArray(v)) return node.items === undefined ? v : v.map((e) => project(node.items!, e));
  if (!isRecord(v) || (!node.types?.includes('object') && node.properties.size === 0)) return v;
  // No prototype: a member named `__proto__` must be a property like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, sub] of node.properties) {
    if (v[name] !== undefined) out[name] = project(sub, v[name]);
  }
  const extra = node.additional;
  if (extra === true || (extra !== undefined && extra !== false)) {
    for (const [key, value] of Object.entries(v)) {
      if (!node.properties.has(key)) out[key] = extra === true ? value : project(extra, value);
    }
  }
  return out;
}

/** Compiles a response schema into a serializer that cuts the value to it. */
export function compileSerializer(schema: unknown): (data: unknown) => string {
  const root = compileNode(schema, '#');
  return (data) => JSON.stringify(project(root, data));
}
