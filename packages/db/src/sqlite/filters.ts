import { invalidArgument, type MemoryFilter } from '@memzero/core';

export interface SqlConditions {
  /** Conditions to join with AND; each refers to `m` (memories) and `c` (contexts). */
  clauses: string[];
  params: Record<string, unknown>;
}

/**
 * SQL conditions for the filters shared by list, search and export. The owner and expiry
 * conditions are always present, so no query can return another user's memory or an expired
 * one. `contextId` is the resolved id of `filter.context`.
 */
export function filterConditions(
  userId: string,
  filter: MemoryFilter,
  contextId: string | undefined,
  now: string,
): SqlConditions {
  const clauses = ['c.owner_id = @userId', '(m.expires_at IS NULL OR m.expires_at > @now)'];
  const params: Record<string, unknown> = { userId, now };

  if (contextId !== undefined) {
    clauses.push('m.context_id = @contextId');
    params.contextId = contextId;
  }

  (filter.tags ?? []).forEach((tag, index) => {
    clauses.push(
      `EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tag = @tag${index})`,
    );
    params[`tag${index}`] = tag;
  });

  Object.entries(filter.metadata ?? {}).forEach(([key, value], index) => {
    if (/["\\]/.test(key)) {
      throw invalidArgument(
        `The metadata filter key "${key}" contains a quote or backslash, which filters do not support.`,
      );
    }
    const path = `@metaPath${index}`;
    params[`metaPath${index}`] = `$."${key}"`;

    if (value === null) {
      clauses.push(`json_type(m.metadata, ${path}) = 'null'`);
    } else if (typeof value === 'boolean') {
      clauses.push(`json_type(m.metadata, ${path}) = '${value ? 'true' : 'false'}'`);
    } else if (typeof value === 'number') {
      clauses.push(
        `json_type(m.metadata, ${path}) IN ('integer', 'real') AND json_extract(m.metadata, ${path}) = @metaValue${index}`,
      );
      params[`metaValue${index}`] = value;
    } else {
      clauses.push(
        `json_type(m.metadata, ${path}) = 'text' AND json_extract(m.metadata, ${path}) = @metaValue${index}`,
      );
      params[`metaValue${index}`] = value;
    }
  });

  if (filter.createdAfter !== undefined) {
    clauses.push('m.created_at >= @createdAfter');
    params.createdAfter = filter.createdAfter;
  }
  if (filter.createdBefore !== undefined) {
    clauses.push('m.created_at < @createdBefore');
    params.createdBefore = filter.createdBefore;
  }

  return { clauses, params };
}
