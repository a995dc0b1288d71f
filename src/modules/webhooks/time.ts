// The times a caller gives a replay. Only one spelling is taken: an RFC
// 3339 timestamp (ISO 8601 with the date, `T`, the time and an explicit
// zone), checked for a real calendar date. Date.parse is too forgiving
// to decide what a caller meant: it rolls 31 February over into March and
// reads a time with no zone in the server's own zone.

import { invalid } from "../../http/errors";

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const EXAMPLE = "2026-12-03T12:00:00Z or 2026-12-03T13:00:00+01:00";

/**
 * A caller's timestamp as the log writes its own (UTC, milliseconds), so
 * the two compare as strings. Digits past the millisecond round up: the
 * log holds whole milliseconds, and an event at or after 12:00:00.0004 is
 * one at or after 12:00:00.001, for `since` and `until` alike.
 */
export function checkTime(field: string, text: string): string {
  const match = TIMESTAMP.exec(text);
  if (!match) throw invalid(field, `must be a timestamp with its zone, such as ${EXAMPLE}.`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) {
    throw invalid(field, "has a zone offset that does not exist; offsets run from -23:59 to +23:59.");
  }

  // Built field by field, then read back: a day, hour or second out of
  // range would roll over, and the fields would no longer be what was sent.
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  const kept =
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second;
  if (!kept) {
    throw invalid(field, "is not a real date and time: check the day of the month, the hour, the minutes and the seconds.");
  }

  // In whole nanoseconds first: 0.123 * 1000 in floating point is 123.00000000000001.
  const fraction = Math.ceil(Number((match[7] ?? "").padEnd(9, "0")) / 1e6);
  const sign = match[9] === "-" ? -1 : 1;
  const offsetMs = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  const iso = new Date(wall.getTime() + fraction - offsetMs).toISOString();
  // Past year 9999 or before year 0 in UTC, the ISO form grows a sign and
  // would no longer compare with the log's timestamps as text.
  if (!/^\d{4}-/.test(iso)) throw invalid(field, "must fall between the years 0000 and 9999 in UTC.");

  return iso;
}
