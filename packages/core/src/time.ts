import { invalidArgument } from './errors.js';

const durationPattern = /^(\d{1,6})\s*(m|min|h|d|w)$/i;
const unitMilliseconds: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parse a point in time as a person types it: an ISO 8601 date (`2026-01-31`, midnight UTC),
 * an ISO date-time, or a duration (`90m`, `12h`, `7d`, `2w`) counted back from `now` or, with
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

  if (/^\d{4}-\d{2}-\d{2}([T ].*)?$/.test(trimmed)) {
    const time = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
    if (!Number.isNaN(time)) {
      return new Date(time).toISOString();
    }
  }

  throw invalidArgument(
    `${option} "${trimmed}" is not a date. Use an ISO date such as 2026-01-31, a date-time such as 2026-01-31T09:30:00Z, or a duration such as 12h, 7d or 2w.`,
  );
}
