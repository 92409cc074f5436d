/**
 * UTC timestamps as text — ISO 8601 for logs, events and snapshots, IMF-fixdate for the HTTP
 * `Date` header — computed from the epoch milliseconds by calendar arithmetic, not by
 * `Date#toISOString` or `Date#toUTCString`.
 *
 * Why: V8 formats a date through its date cache, and the first use of that cache opens ICU's
 * default time zone even to write UTC. That reads ICU's zone tables and runs its zone code: in
 * an agent, which formats a timestamp for its first log line, about 0.75 MiB of the node
 * binary stays resident for the process's life (measured with /proc/PID/pagemap; the tables
 * alone are 0.5 MiB), against the issue's memory target. The text is the same: the tests
 * compare both formatters with `Date`'s across the whole range they accept.
 */

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

const MS_PER_DAY = 86_400_000;
/** ECMAScript's time value range: ±10^8 days from the epoch. */
const TIME_MAX = 8.64e15;

interface Civil {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
  /** 0 = Sunday */
  readonly weekday: number;
  /** Milliseconds into the day. */
  readonly msOfDay: number;
}

/**
 * The proleptic Gregorian date of a time value (Howard Hinnant's `civil_from_days`: eras of
 * 400 years, 146,097 days each, counted from 0000-03-01 so that the leap day ends a year).
 */
function civil(ms: number): Civil {
  if (!Number.isFinite(ms) || Math.abs(ms) > TIME_MAX) {
    throw new RangeError(`invalid time value: ${ms}`);
  }
  const t = Math.trunc(ms);
  const days = Math.floor(t / MS_PER_DAY);
  const msOfDay = t - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // 1970-01-01 was a Thursday.
  const weekday = (((days + 4) % 7) + 7) % 7;
  return { year, month, day, weekday, msOfDay };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function clock(msOfDay: number): string {
  const s = Math.floor(msOfDay / 1000);
  return `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`;
}

/** ECMAScript's year in a date-time string: 4 digits, or a sign and 6 outside 0-9999. */
function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
}

/** `Date#toISOString`'s text for `ms` (`2026-11-22T09:13:32.202Z`); RangeError when invalid. */
export function isoTimestamp(ms: number): string {
  const c = civil(ms);
  return `${isoYear(c.year)}-${pad(c.month, 2)}-${pad(c.day, 2)}T${clock(c.msOfDay)}.${pad(c.msOfDay % 1000, 3)}Z`;
}

/**
 * `Date#toUTCString`'s text for `ms` (`Sun, 22 Nov 2026 09:13:32 GMT`), which for years 0-9999
 * is RFC 9110's IMF-fixdate, the HTTP `Date` header's form; RangeError when invalid.
 */
export function httpDate(ms: number): string {
  const c = civil(ms);
  const year = c.year < 0 ? `-${pad(-c.year, 4)}` : pad(c.year, 4);
  return `${WEEKDAYS[c.weekday]}, ${pad(c.day, 2)} ${MONTHS[c.month - 1]} ${year} ${clock(c.msOfDay)} GMT`;
}

let dateSecond = Number.NaN;
let dateText = '';

/** `httpDate` of now, formatted once a second (what Node's own `Date` header does). */
export function httpDateNow(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = httpDate(now);
  }
  return dateText;
}
