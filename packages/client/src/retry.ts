/** The maximum wait between two attempts, whatever Retry-After requests, in milliseconds. */
export const maxRetryDelayMs = 30_000;

/** The first backoff delay, doubled on each further attempt, in milliseconds. */
const baseDelayMs = 250;

/**
 * Return the delay before retry number `attempt` (1 for the first retry): exponential backoff
 * with jitter, so that many clients that failed together do not come back together.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxRetryDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Parse a Retry-After header (RFC 9110: delay-seconds or an HTTP date) into milliseconds to
 * wait, capped at `maxRetryDelayMs`. Returns undefined when the header is absent or malformed.
 */
export function retryAfterDelay(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header.trim() === '') {
    return undefined;
  }
  const value = header.trim();

  if (/^\d+$/.test(value)) {
    return Math.min(maxRetryDelayMs, Number(value) * 1000);
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.min(maxRetryDelayMs, Math.max(0, date - now));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
