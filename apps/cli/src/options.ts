import { invalidArgument, type MetadataScalar, parseTimeInput } from '@memzero/core';

/** Options shared by the commands that filter memories. */
export interface FilterOptions {
  context?: string;
  tag?: string[];
  meta?: string[];
  since?: string;
  until?: string;
}

/**
 * Parse `key=value` pairs. The value is read as JSON when it is a number, true, false, null or a
 * quoted string, and as plain text otherwise, so `--meta priority=2` stores the number 2 and
 * `--meta owner=ana` the string "ana".
 */
export function parseMetadataPairs(pairs: string[] = []): Record<string, MetadataScalar> {
  const metadata: Record<string, MetadataScalar> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      throw invalidArgument(
        `--meta "${pair}" is not a key=value pair. Write it as --meta key=value.`,
      );
    }
    metadata[pair.slice(0, equals).trim()] = parseScalar(pair.slice(equals + 1));
  }
  return metadata;
}

function parseScalar(text: string): MetadataScalar {
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|".*")$/s.test(text)) {
    try {
      return JSON.parse(text) as MetadataScalar;
    } catch {
      return text;
    }
  }
  return text;
}

/** The filter fields of a list, search or export request. */
export function filterFromOptions(options: FilterOptions) {
  return {
    context: options.context,
    tags: options.tag,
    metadata: options.meta ? parseMetadataPairs(options.meta) : undefined,
    createdAfter:
      options.since !== undefined ? parseTimeInput(options.since, '--since') : undefined,
    createdBefore:
      options.until !== undefined ? parseTimeInput(options.until, '--until') : undefined,
  };
}

/** Parse `--expires`: a duration from now or a date, which must lie in the future. */
export function parseExpiry(value: string): string {
  const expiresAt = parseTimeInput(value, '--expires', 'future');
  if (Date.parse(expiresAt) <= Date.now()) {
    throw invalidArgument(
      `--expires "${value}" is in the past. Give a duration such as 30d or a future date.`,
    );
  }
  return expiresAt;
}
