import { invalidArgument } from './errors.js';

const durationPattern = /^(\d{1,6})\s*(s|m|min|h|d|w)$/i;
const unitMilliseconds: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parse a point in time as a person types it: an ISO 8601 date (`2026-01-31`, midnight UTC),
 * an ISO date-time (UTC unless it names a zone), or a duration (`30s`, `90m`, `12h`, `7d`, `2w`) counted back from `now` or, with
 * `direction: 'future'`, forward from it. Returns an ISO timestamp in UTC.
 */
export function parseTimeInput(
  value: string,
  option: string,
  direction: 'past' | 'future' = 'past',
  now: number = Date.now(),
): string {
  const trimmed = value.trim();
  const duration = durationPattern.exec(trimmed);
  if (duration) {
    const amount = Number(duration[1]) * unitMilliseconds[duration[2]!.toLowerCase()]!;
    return new Date(direction === 'past' ? now - amount : now + amount).toISOString();
  }

  const date =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      trimmed,
    );
  if (date && isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) {
    // Without a zone, a date or date-time is UTC, whatever the zone of the machine.
    const time = Date.parse(
      `${date[1]}-${date[2]}-${date[3]}T${date[4] ?? '00:00'}${date[5] ?? 'Z'}`,
    );
    if (!Number.isNaN(time)) {
      return new Date(time).toISOString();
    }
  }

  throw invalidArgument(
    `${option} "${trimmed}" is neither a date nor a duration. Use an ISO date such as 2026-01-31, a date-time such as 2026-01-31T09:30:00Z, or a duration such as 90s, 12h, 7d or 2w.`,
  );
}

/** Whether the day exists: 2026-02-30 does not, although `Date` would roll it over to March. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}
