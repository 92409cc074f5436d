/**
 * Parsers for the value shapes command-line flags take: bounded numbers, integers, enums,
 * and the colon-separated specs of the simulator (`uniform:10:50`, `1000:5000:0.3`).
 *
 * Each parser takes the flag name and the raw string and either returns the value or
 * throws a `UsageError` whose text names the flag and the accepted range. They are pure
 * and know nothing about commander, so the flag table in sim-flags.ts and its tests use
 * them directly.
 *
 * Numbers are read strictly: decimal with optional fraction and exponent, `_` allowed as a
 * digit separator (`10_000_000`). `Number()` alone would also take "", " ", "0x10" and
 * "Infinity", none of which a person means as a node count.
 */

import type { CrashSpec, LatencyModel, PartitionSpec } from '../sim/types.ts';
import { badValue } from './usage-error.ts';

const DECIMAL = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:e[+-]?\d+)?$/i;

/** The raw string as a finite number, or undefined if it is not written as one. */
export function readNumber(raw: string): number | undefined {
  const s = raw.trim();
  if (!DECIMAL.test(s)) return undefined;
  const n = Number(s.replaceAll('_', ''));
  return Number.isFinite(n) ? n : undefined;
}

/** An inclusive or exclusive bound, written the way the message prints it. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

export function describeRange(r: Range): string {
  return `${r.minExclusive ? '(' : '['}${fmt(r.min)}, ${fmt(r.max)}${r.maxExclusive ? ')' : ']'}`;
}

/** 10000000 → "10,000,000": bounds in messages are read by people. */
function fmt(n: number): string {
  return Number.isInteger(n) && Math.abs(n) >= 10_000 ? n.toLocaleString('en-US') : String(n);
}

function inRange(n: number, r: Range): boolean {
  const aboveMin = r.minExclusive ? n > r.min : n >= r.min;
  const belowMax = r.maxExclusive ? n < r.max : n <= r.max;
  return aboveMin && belowMax;
}

export function acceptsNumber(r: Range): string {
  return `a number in ${describeRange(r)}`;
}

export function acceptsInteger(r: Range): string {
  return `an integer in ${describeRange(r)}`;
}

export function parseNumber(flag: string, raw: string, r: Range): number {
  const n = readNumber(raw);
  if (n === undefined || !inRange(n, r)) throw badValue(flag, acceptsNumber(r), raw);
  return n;
}

export function parseInteger(flag: string, raw: string, r: Range): number {
  const n = readNumber(raw);
  if (n === undefined || !Number.isSafeInteger(n) || !inRange(n, r)) {
    throw badValue(flag, acceptsInteger(r), raw);
  }
  return n;
}

export function acceptsOneOf(names: readonly string[]): string {
  return `one of ${names.join(', ')}`;
}

export function parseEnum<T extends string>(flag: string, raw: string, names: readonly T[]): T {
  const found = names.find((name) => name === raw.trim());
  if (found === undefined) throw badValue(flag, acceptsOneOf(names), raw);
  return found;
}

/** An integer in range, or the keyword (e.g. "none", "adaptive") returned as itself. */
export function parseIntegerOr<K extends string>(
  flag: string,
  raw: string,
  r: Range,
  keyword: K,
): number | K {
  if (raw.trim() === keyword) return keyword;
  const n = readNumber(raw);
  if (n === undefined || !Number.isSafeInteger(n) || !inRange(n, r)) {
    throw badValue(flag, `${acceptsInteger(r)} or "${keyword}"`, raw);
  }
  return n;
}

/** Bounds shared by every time written in milliseconds on the command line: up to 30 days. */
export const TIME_MS_RANGE: Range = { min: 0, max: 30 * 24 * 3600 * 1000 };
/** Log-normal shape: sigma above ~3 puts the mean thousands of medians away; 10 is generous. */
export const SIGMA_RANGE: Range = { min: 0, max: 10 };

export const ACCEPTS_LATENCY =
  'constant:MS, uniform:MIN:MAX or lognormal:MEDIAN:SIGMA (times in ms, MIN <= MAX, MEDIAN > 0, SIGMA in [0, 10])';

export function parseLatency(flag: string, raw: string): LatencyModel {
  const fail = () => badValue(flag, ACCEPTS_LATENCY, raw);
  const parts = raw.trim().split(':');
  const num = (s: string | undefined, r: Range): number => {
    const n = s === undefined ? undefined : readNumber(s);
    if (n === undefined || !inRange(n, r)) throw fail();
    return n;
  };
  switch (parts[0]) {
    case 'constant':
      if (parts.length !== 2) throw fail();
      return { kind: 'constant', ms: num(parts[1], TIME_MS_RANGE) };
    case 'uniform': {
      if (parts.length !== 3) throw fail();
      const minMs = num(parts[1], TIME_MS_RANGE);
      const maxMs = num(parts[2], TIME_MS_RANGE);
      if (minMs > maxMs) throw fail();
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'lognormal': {
      if (parts.length !== 3) throw fail();
      const medianMs = num(parts[1], { ...TIME_MS_RANGE, minExclusive: true });
      return { kind: 'lognormal', medianMs, sigma: num(parts[2], SIGMA_RANGE) };
    }
    default:
      throw fail();
  }
}

/** Minority fraction of a partition or crash: strictly between none and all. */
export const FAULT_FRACTION_RANGE: Range = {
  min: 0,
  max: 1,
  minExclusive: true,
  maxExclusive: true,
};

/** Parse `AT:END:FRACTION` where END may be `never` (Infinity) and must come after AT. */
function parseFaultWindow(
  flag: string,
  raw: string,
  accepts: string,
): { atMs: number; endMs: number; fraction: number } {
  const fail = () => badValue(flag, accepts, raw);
  const parts = raw.trim().split(':');
  if (parts.length !== 3) throw fail();
  const [atRaw, endRaw, fractionRaw] = parts as [string, string, string];
  const atMs = readNumber(atRaw);
  const endMs = endRaw === 'never' ? Number.POSITIVE_INFINITY : readNumber(endRaw);
  const fraction = readNumber(fractionRaw);
  if (atMs === undefined || !inRange(atMs, TIME_MS_RANGE)) throw fail();
  if (endMs === undefined || !(endMs > atMs)) throw fail();
  if (Number.isFinite(endMs) && !inRange(endMs, TIME_MS_RANGE)) throw fail();
  if (fraction === undefined || !inRange(fraction, FAULT_FRACTION_RANGE)) throw fail();
  return { atMs, endMs, fraction };
}

export const ACCEPTS_PARTITION =
  'AT_MS:HEAL_MS:FRACTION with HEAL_MS > AT_MS or "never", FRACTION in (0, 1)';
export const ACCEPTS_CRASH =
  'AT_MS:RESTART_MS:FRACTION with RESTART_MS > AT_MS or "never", FRACTION in (0, 1)';

export function parsePartition(flag: string, raw: string): PartitionSpec {
  const w = parseFaultWindow(flag, raw, ACCEPTS_PARTITION);
  return { atMs: w.atMs, healMs: w.endMs, fraction: w.fraction };
}

export function parseCrash(flag: string, raw: string): CrashSpec {
  const w = parseFaultWindow(flag, raw, ACCEPTS_CRASH);
  return { atMs: w.atMs, restartMs: w.endMs, fraction: w.fraction };
}
