import { z } from 'zod';

import { Mem0Error } from './errors.js';
import { limits } from './limits.js';
import type { Metadata, MetadataScalar } from './model.js';
import { memorySources } from './model.js';
import { codePointLength } from './text.js';

export const defaultContext = 'default';

const contextPattern = /^[a-z0-9][a-z0-9._-]*$/;
const tagPattern = /^[\p{L}\p{N}][\p{L}\p{N}._:/+#-]*$/u;

export const contentSchema = z
  .string({ invalid_type_error: 'must be a string', required_error: 'is required' })
  .trim()
  .min(1, { message: 'must not be empty' })
  .refine((value) => codePointLength(value) <= limits.contentMaxChars, {
    message: `must be at most ${limits.contentMaxChars} characters`,
  });

const contextNameMessage =
  'may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit';

/**
 * A context name as the caller writes it: `notes` for one of their own contexts, `team/notes`
 * for a context of a team, `owner@example.com/notes` for a context another user shared. Team
 * names follow the pattern of context names and emails contain "@", so the part before the
 * slash shows which of the two owns the context.
 */
export const contextNameSchema = z
  .string({ invalid_type_error: 'must be a string', required_error: 'is required' })
  .trim()
  .toLowerCase()
  .min(1, { message: 'must not be empty' })
  .superRefine((value, context) => {
    const problem = contextNameProblem(value);
    if (problem !== undefined) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    }
  });

/** The parts of a context name: the owner's qualifier, when the caller named one, and the name. */
export interface ContextReference {
  /** A team name, or an email for a context another user owns; undefined for the caller's own. */
  owner?: { kind: 'team' | 'user'; name: string } | undefined;
  name: string;
}

/** Split a valid context name (see `contextNameSchema`) into its owner and name. */
export function parseContextName(value: string): ContextReference {
  const slash = value.indexOf('/');
  if (slash === -1) {
    return { name: value };
  }
  const owner = value.slice(0, slash);
  return {
    owner: { kind: owner.includes('@') ? 'user' : 'team', name: owner },
    name: value.slice(slash + 1),
  };
}

function contextNameProblem(value: string): string | undefined {
  if (value.length === 0) {
    // The length check reports an empty name.
    return undefined;
  }
  const parts = value.split('/');
  if (parts.length > 2) {
    return 'may contain one "/", between a team name or an owner\'s email and the context name';
  }
  const name = parts.at(-1)!;
  if (parts.length === 1 && name.length > limits.contextMaxChars) {
    return `must be at most ${limits.contextMaxChars} characters`;
  }
  if (name.length === 0 || name.length > limits.contextMaxChars) {
    return `must have a name of 1 to ${limits.contextMaxChars} characters after the "/"`;
  }
  if (!contextPattern.test(name)) {
    return contextNameMessage;
  }
  if (parts.length === 2) {
    const owner = parts[0]!;
    const valid = owner.includes('@')
      ? /^[^\s@]+@[^\s@]+$/.test(owner) && owner.length <= 254
      : contextPattern.test(owner) && owner.length <= limits.contextMaxChars;
    if (!valid) {
      return 'must start with a team name or an owner\'s email before the "/", as in "team/notes"';
    }
  }
  return undefined;
}

/** A team name: the same characters as a context name, unique on the server. */
export const teamNameSchema = z
  .string({ invalid_type_error: 'must be a string', required_error: 'is required' })
  .trim()
  .toLowerCase()
  .min(1, { message: 'must not be empty' })
  .max(limits.contextMaxChars, { message: `must be at most ${limits.contextMaxChars} characters` })
  .regex(contextPattern, { message: contextNameMessage });

export const tagSchema = z
  .string({ invalid_type_error: 'must be a string', required_error: 'is required' })
  .trim()
  .toLowerCase()
  .min(1, { message: 'must not be empty' })
  .regex(tagPattern, {
    message: 'must start with a letter or digit and contain no spaces or commas',
  })
  .refine((value) => codePointLength(value) <= limits.tagMaxChars, {
    message: `must be at most ${limits.tagMaxChars} characters`,
  });

/** Tags, lower-cased, without repeats, sorted. */
export const tagsSchema = z
  .array(tagSchema, { invalid_type_error: 'must be an array of strings' })
  .transform((tags) => [...new Set(tags)].sort())
  .refine((tags) => tags.length <= limits.tagsMax, {
    message: `must have at most ${limits.tagsMax} tags`,
  });

export const metadataSchema = z
  .record(z.string(), z.unknown(), { invalid_type_error: 'must be a JSON object' })
  .superRefine((value, context) => {
    const problem = checkJson(value, 1);
    if (problem) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > limits.metadataMaxBytes) {
      context.addIssue({
        code: 'custom',
        message: `must be at most ${limits.metadataMaxBytes} bytes as JSON (it is ${bytes})`,
      });
    }
  })
  .transform((value) => value as Metadata);

function checkJson(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : 'must contain only finite numbers';
  }
  if (typeof value !== 'object') {
    return 'must contain only JSON values';
  }
  if (depth > limits.metadataMaxDepth) {
    return `must be nested at most ${limits.metadataMaxDepth} levels deep`;
  }
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    const problem = checkJson(child, depth + 1);
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

const timestampSchema = z.string({ invalid_type_error: 'must be a string' }).datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z',
});

/** An ISO 8601 date-time, returned in UTC with milliseconds. */
export const isoTimestampSchema = timestampSchema.transform((value) =>
  new Date(value).toISOString(),
);

const sourceSchema = z.enum(memorySources, {
  errorMap: () => ({ message: `must be one of ${memorySources.join(', ')}` }),
});

export const newContextSchema = z.strictObject({ name: contextNameSchema });
export type NewContextInput = z.input<typeof newContextSchema>;

export const newMemorySchema = z
  .object({
    content: contentSchema,
    context: contextNameSchema.default(defaultContext),
    tags: tagsSchema.default([]),
    metadata: metadataSchema.default({}),
    source: sourceSchema.default('cli'),
    expiresAt: isoTimestampSchema.nullable().default(null),
  })
  .strict();
export type NewMemory = z.output<typeof newMemorySchema>;
export type NewMemoryInput = z.input<typeof newMemorySchema>;

export const memoryPatchSchema = z
  .strictObject({
    content: contentSchema.optional(),
    context: contextNameSchema.optional(),
    tags: tagsSchema.optional(),
    metadata: metadataSchema.optional(),
    expiresAt: isoTimestampSchema.nullable().optional(),
    /** When set, the update fails with a conflict unless the memory is at this version. */
    expectedVersion: z.number().int().positive().optional(),
  })
  .strict()
  .refine(
    (patch) =>
      patch.content !== undefined ||
      patch.context !== undefined ||
      patch.tags !== undefined ||
      patch.metadata !== undefined ||
      patch.expiresAt !== undefined,
    { message: 'nothing to update: give new content, a context, tags, metadata or an expiry' },
  );
export type MemoryPatch = z.output<typeof memoryPatchSchema>;
export type MemoryPatchInput = z.input<typeof memoryPatchSchema>;

const metadataFilterSchema = z.record(
  z.string().min(1).max(128),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
  { invalid_type_error: 'must map metadata keys to strings, numbers, booleans or null' },
);

function limitSchema(max: number) {
  return z
    .number({ invalid_type_error: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(max, { message: `must be at most ${max}` });
}

const filterShape = {
  context: contextNameSchema.optional(),
  tags: tagsSchema.optional(),
  metadata: metadataFilterSchema.optional(),
  createdAfter: isoTimestampSchema.optional(),
  createdBefore: isoTimestampSchema.optional(),
};

export const listRequestSchema = z
  .object({
    ...filterShape,
    limit: limitSchema(limits.listMaxLimit).default(limits.listDefaultLimit),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export type ListRequest = z.output<typeof listRequestSchema>;
export type ListRequestInput = z.input<typeof listRequestSchema>;

export const searchRequestSchema = z
  .object({
    query: z.string({ invalid_type_error: 'must be a string', required_error: 'is required' }),
    ...filterShape,
    limit: limitSchema(limits.searchMaxLimit).default(limits.searchDefaultLimit),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export type SearchRequest = z.output<typeof searchRequestSchema>;
export type SearchRequestInput = z.input<typeof searchRequestSchema>;

/** The filters shared by list, search and export. */
export interface MemoryFilter {
  context?: string | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, MetadataScalar> | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

export const exportRequestSchema = z.strictObject(filterShape);

/** One line of a JSON Lines import: the shape `export` writes. */
export const importRecordSchema = z.object({
  id: z.string().optional(),
  content: contentSchema,
  context: contextNameSchema.default(defaultContext),
  tags: tagsSchema.default([]),
  metadata: metadataSchema.default({}),
  source: sourceSchema.default('import'),
  createdAt: isoTimestampSchema.optional(),
  updatedAt: isoTimestampSchema.optional(),
  expiresAt: isoTimestampSchema.nullable().default(null),
});
export type ImportRecordInput = z.input<typeof importRecordSchema>;

/** A validated import record with every default filled in. */
export interface ImportRecord {
  id: string;
  content: string;
  context: string;
  tags: string[];
  metadata: Metadata;
  source: NewMemory['source'];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  /**
   * The duplicate hash and the search words of the content, when computed ahead of the store
   * (see `prepareImportLines`); a store computes them itself when they are absent.
   */
  derived?: { contentHash: string; searchText: string };
}

/**
 * Parse `input` with `schema`, turning the first problems into one `validation_failed` error
 * whose message names each field and what is wrong with it.
 */
export function parseInput<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  throw validationError(result.error);
}

export function validationError(error: z.ZodError): Mem0Error {
  const problems = error.issues.slice(0, 3).map((issue) => {
    const field = fieldName(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    }
    const message = issue.message.replace(/\.$/, '');
    return field ? `${field} ${message}` : message;
  });
  return new Mem0Error('validation_failed', `Invalid input: ${problems.join('; ')}.`, {
    details: {
      issues: error.issues.map((issue) => ({
        path: fieldName(issue.path),
        message: issue.message,
      })),
    },
  });
}

/** Write a field path as a reader writes it: `tags[0]`, `metadata.owner`. */
function fieldName(path: (string | number)[]): string {
  let name = '';
  for (const part of path) {
    if (typeof part === 'number') {
      name += `[${part}]`;
    } else {
      name += name === '' ? part : `.${part}`;
    }
  }
  return name;
}
