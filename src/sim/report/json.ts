/**
 * JSON text for results and experiments. Plain `JSON.stringify` writes Infinity and NaN as
 * `null`, which would make "no hop limit" (ttl = Infinity) read as "missing"; here they are
 * written as the strings "Infinity", "-Infinity" and "NaN", which a reader can tell apart.
 */

export function jsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}
