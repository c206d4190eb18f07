import {
  addMemory,
  type ContextOwner,
  deleteMemory,
  getMemory,
  limits,
  listContexts,
  listMemories,
  memoryHistory,
  searchMemories,
  updateMemory,
  type MemoryStore,
} from '@memzero/core';

import type { ArgumentSchema, InputSchema } from './schema.js';
import {
  previewMaxChars,
  resultBudget,
  resultSize,
  summarize,
  summarizeRevision,
  summaryLine,
  type MemorySummary,
} from './present.js';

export interface ToolOptions {
  /** Context used by add, search and list when the caller gives none. */
  defaultContext?: string | undefined;
}

export interface ToolOutput {
  structured: Record<string, unknown>;
  text: string;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: InputSchema;
  outputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  run(store: MemoryStore, args: Record<string, unknown>, options: ToolOptions): Promise<ToolOutput>;
}

const idArgument: ArgumentSchema = {
  type: 'string',
  description: 'Id of the memory, as returned by add_memory, search_memories or list_memories.',
};

const tagsArgument: ArgumentSchema = {
  type: 'array',
  description: `Tags, at most ${limits.tagsMax} of up to ${limits.tagMaxChars} characters each; stored in lower case.`,
  items: { type: 'string', description: 'One tag, such as "typescript" or "decision".' },
};

const filterArguments: Record<string, ArgumentSchema> = {
  tags: {
    type: 'array',
    description: 'Keep only memories that have every one of these tags.',
    items: { type: 'string', description: 'One tag.' },
  },
  createdAfter: {
    type: 'string',
    description:
      'Keep only memories created after this ISO 8601 time, such as 2026-01-31T00:00:00Z.',
  },
  createdBefore: {
    type: 'string',
    description: 'Keep only memories created before this ISO 8601 time.',
  },
  cursor: {
    type: 'string',
    description:
      'The nextCursor of a previous call with the same arguments, to fetch the next page.',
  },
};

const stringSchema = { type: 'string' };
const tagsSchema = { type: 'array', items: stringSchema };

const summarySchema = {
  type: 'object',
  properties: {
    id: stringSchema,
    context: stringSchema,
    tags: tagsSchema,
    source: stringSchema,
    version: { type: 'integer' },
    createdAt: stringSchema,
    updatedAt: stringSchema,
    expiresAt: { type: ['string', 'null'] },
    preview: stringSchema,
    truncated: { type: 'boolean' },
    contentLength: { type: 'integer' },
  },
  required: ['id', 'context', 'tags', 'version', 'preview', 'truncated', 'contentLength'],
};

const memorySchema = {
  type: 'object',
  properties: {
    id: stringSchema,
    content: stringSchema,
    context: stringSchema,
    tags: tagsSchema,
    metadata: { type: 'object' },
    source: stringSchema,
    authorId: stringSchema,
    version: { type: 'integer' },
    createdAt: stringSchema,
    updatedAt: stringSchema,
    expiresAt: { type: ['string', 'null'] },
  },
  required: ['id', 'content', 'context', 'tags', 'metadata', 'version'],
};

const pageSchema = {
  type: 'object',
  properties: {
    items: { type: 'array', items: summarySchema },
    nextCursor: { type: ['string', 'null'] },
  },
  required: ['items', 'nextCursor'],
};

function contextArgument(purpose: string): ArgumentSchema {
  return {
    type: 'string',
    description: `${purpose} Up to ${limits.contextMaxChars} characters. When omitted, the server's default context is used if one is configured.`,
  };
}

function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Write `count` before `noun`, a plural such as "matching memories", made singular for one. */
function counted(count: number, noun: string): string {
  return count === 1 ? `1 ${noun.replace(/memories\b/, 'memory')}` : `${count} ${noun}`;
}

function pageText(summaries: MemorySummary[], nextCursor: string | null, noun: string): string {
  if (summaries.length === 0) {
    return `No ${noun} found.`;
  }
  const lines = [`${counted(summaries.length, noun)}:`, ...summaries.map(summaryLine)];
  if (nextCursor) {
    lines.push(`More results exist: call again with cursor "${nextCursor}".`);
  }
  return lines.join('\n');
}

/**
 * Run a paged query and keep its result under the listing budget: when a page is too large, the
 * query runs again with a smaller limit, so that the returned cursor still continues right after
 * the last item shown.
 */
async function boundedPage<T>(
  fetchPage: (limit: number | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  toSummary: (item: T) => MemorySummary & Record<string, unknown>,
  requestedLimit: number | undefined,
  noun: string,
): Promise<ToolOutput> {
  let limit = requestedLimit;
  for (;;) {
    const page = await fetchPage(limit);
    const items = page.items.map(toSummary);
    const structured = { items, nextCursor: page.nextCursor };
    const text = pageText(items, page.nextCursor, noun);
    if (resultSize(structured, text) <= resultBudget.listing || items.length <= 1) {
      return { structured, text };
    }
    limit = Math.max(1, Math.floor(items.length / 2));
  }
}

const addTool: ToolDefinition = {
  name: 'add_memory',
  title: 'Add memory',
  description:
    'Store a new memory: a short text worth recalling later, such as a fact, a decision, a preference or a note about a codebase. ' +
    'Adding the same content to the same context again returns the existing memory instead of a duplicate (created is false). ' +
    'Returns the memory id and a preview of the stored content.',
  inputSchema: {
    type: 'object',
    properties: {
      content: {
        type: 'string',
        description: `Text of the memory, up to ${limits.contentMaxChars} characters. Write it so that it makes sense on its own.`,
      },
      context: contextArgument(
        'Context (a named collection, such as a project name) to store the memory in.',
      ),
      tags: tagsArgument,
      metadata: {
        type: 'object',
        description: `JSON object of extra facts, up to ${limits.metadataMaxBytes} bytes as JSON and ${limits.metadataMaxDepth} levels deep.`,
      },
      expiresAt: {
        type: 'string',
        description:
          'ISO 8601 time in the future after which the memory is hidden from search, list and get. Omit to keep it.',
      },
    },
    required: ['content'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { created: { type: 'boolean' }, memory: summarySchema },
    required: ['created', 'memory'],
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args, options) {
    const input = withoutUndefined({
      ...args,
      context: optionalString(args, 'context') ?? options.defaultContext,
      source: 'mcp',
    });
    const result = await addMemory(store, input);
    const memory = summarize(result.memory);
    const verb = result.created ? 'Added' : 'Already stored as';
    return {
      structured: { created: result.created, memory },
      text: `${verb} memory ${memory.id} in context ${memory.context}.\n${summaryLine(memory)}`,
    };
  },
};

const searchTool: ToolDefinition = {
  name: 'search_memories',
  title: 'Search memories',
  description:
    'Find memories by full-text search, best match first. Use it before answering a question that stored notes may cover. ' +
    `Returns up to limit items, each with a one-line preview of at most ${previewMaxChars} characters, a truncated flag and the full content length; ` +
    'call get_memory with an id for the full text.',
  inputSchema: {
    type: 'object',
    properties: {
      query: {
        type: 'string',
        description: `Words to search for, up to ${limits.queryMaxChars} characters. Memories with any of the words match, ranked so that those with more of the words, and rarer ones, come first; the last word also matches as a prefix. Quotes and operators such as AND, OR and NOT have no special meaning.`,
      },
      context: contextArgument('Search only this context.'),
      ...filterArguments,
      limit: {
        type: 'integer',
        description: `Maximum number of results, ${limits.searchDefaultLimit} by default.`,
        minimum: 1,
        maximum: limits.searchMaxLimit,
      },
    },
    required: ['query'],
    additionalProperties: false,
  },
  outputSchema: pageSchema,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args, options) {
    const context = optionalString(args, 'context') ?? options.defaultContext;
    return boundedPage(
      (limit) => searchMemories(store, withoutUndefined({ ...args, context, limit })),
      (hit) => ({ ...summarize(hit), score: hit.score }),
      args.limit as number | undefined,
      context === undefined ? 'matching memories' : `matching memories in context "${context}"`,
    );
  },
};

const listTool: ToolDefinition = {
  name: 'list_memories',
  title: 'List memories',
  description:
    'List memories newest first, optionally filtered by context, tags or creation time. Use it to browse rather than to search by words. ' +
    `Each item has a preview of at most ${previewMaxChars} characters, a truncated flag and the full content length; ` +
    'call get_memory with an id for the full text.',
  inputSchema: {
    type: 'object',
    properties: {
      context: contextArgument('List only this context.'),
      ...filterArguments,
      limit: {
        type: 'integer',
        description: `Maximum number of results, ${limits.listDefaultLimit} by default.`,
        minimum: 1,
        maximum: limits.listMaxLimit,
      },
    },
    additionalProperties: false,
  },
  outputSchema: pageSchema,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args, options) {
    const context = optionalString(args, 'context') ?? options.defaultContext;
    return boundedPage(
      (limit) => listMemories(store, withoutUndefined({ ...args, context, limit })),
      (memory) => ({ ...summarize(memory) }),
      args.limit as number | undefined,
      context === undefined ? 'memories' : `memories in context "${context}"`,
    );
  },
};

const getTool: ToolDefinition = {
  name: 'get_memory',
  title: 'Get memory',
  description:
    'Fetch one memory with its full content, tags and metadata. Use it after search_memories or list_memories when a preview is cut (truncated is true) or metadata is needed.',
  inputSchema: {
    type: 'object',
    properties: { id: idArgument },
    required: ['id'],
    additionalProperties: false,
  },
  outputSchema: { type: 'object', properties: { memory: memorySchema }, required: ['memory'] },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args) {
    const memory = await getMemory(store, args.id as string);
    const tags = memory.tags.length > 0 ? `, tags ${memory.tags.join(', ')}` : '';
    const expiry = memory.expiresAt ? `, expires ${memory.expiresAt}` : '';
    const lines = [
      `Memory ${memory.id} in context ${memory.context}, version ${memory.version}${tags}${expiry}:`,
      memory.content,
    ];
    if (Object.keys(memory.metadata).length > 0) {
      lines.push(`Metadata: ${JSON.stringify(memory.metadata)}`);
    }
    return { structured: { memory: { ...memory } }, text: lines.join('\n') };
  },
};

const updateTool: ToolDefinition = {
  name: 'update_memory',
  title: 'Update memory',
  description:
    'Change the content, context, tags, metadata or expiry of a memory; arguments left out keep their value. Every update adds a version to the history. ' +
    'Pass expectedVersion to fail with a conflict when someone changed the memory since it was read. Returns the updated memory as a preview.',
  inputSchema: {
    type: 'object',
    properties: {
      id: idArgument,
      content: {
        type: 'string',
        description: `New text, up to ${limits.contentMaxChars} characters.`,
      },
      context: { type: 'string', description: 'Context to move the memory to.' },
      tags: {
        ...tagsArgument,
        description: `New tags, replacing the old ones. ${tagsArgument.description}`,
      },
      metadata: { type: 'object', description: 'New metadata object, replacing the old one.' },
      expiresAt: {
        type: ['string', 'null'],
        description: 'New ISO 8601 expiry time in the future, or null to keep the memory forever.',
      },
      expectedVersion: {
        type: 'integer',
        description:
          'Version the memory must be at for the update to apply, as returned by get_memory.',
        minimum: 1,
      },
    },
    required: ['id'],
    additionalProperties: false,
  },
  outputSchema: { type: 'object', properties: { memory: summarySchema }, required: ['memory'] },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false,
  },
  async run(store, args) {
    const { id, ...patch } = args;
    const memory = summarize(await updateMemory(store, id as string, patch));
    return {
      structured: { memory },
      text: `Updated memory ${memory.id} to version ${memory.version}.\n${summaryLine(memory)}`,
    };
  },
};

const deleteTool: ToolDefinition = {
  name: 'delete_memory',
  title: 'Delete memory',
  description:
    'Delete a memory. Its history is kept and memory_history still shows it. Use it only when the user asks to forget something or the memory is wrong. ' +
    'Returns a preview of the deleted memory.',
  inputSchema: {
    type: 'object',
    properties: { id: idArgument },
    required: ['id'],
    additionalProperties: false,
  },
  outputSchema: { type: 'object', properties: { memory: summarySchema }, required: ['memory'] },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args) {
    const memory = summarize(await deleteMemory(store, args.id as string));
    return { structured: { memory }, text: `Deleted memory ${memory.id}.\n${summaryLine(memory)}` };
  },
};

const historyTool: ToolDefinition = {
  name: 'memory_history',
  title: 'Memory history',
  description:
    'List every version of a memory, oldest first, including deleted memories. Use it to see how a note changed or to recover old text. ' +
    `Each version has a preview of at most ${previewMaxChars} characters.`,
  inputSchema: {
    type: 'object',
    properties: { id: idArgument },
    required: ['id'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      revisions: { type: 'array', items: { type: 'object' } },
      omitted: { type: 'integer' },
    },
    required: ['revisions', 'omitted'],
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args) {
    const revisions = (await memoryHistory(store, args.id as string)).map(summarizeRevision);
    return fitListing(revisions, 'revisions', (kept) =>
      kept.map(
        (revision) =>
          `- version ${revision.version} (${revision.operation}, ${revision.createdAt}): ${revision.preview}`,
      ),
    );
  },
};

const contextsTool: ToolDefinition = {
  name: 'list_contexts',
  title: 'List contexts',
  description:
    'List the contexts (named collections of memories, such as one per project) with their memory counts, owners and your permission: manage (read, write and share), write (read and change memories) or read (read only; add, update and delete fail there). Contexts of a team are named "team/name" and contexts another user shared are named "owner@example.com/name"; pass the name as shown as the context argument of the other tools.',
  inputSchema: {
    type: 'object',
    properties: {
      nameContains: {
        type: 'string',
        description:
          'Keep only contexts whose name contains this text, ignoring case, such as "billing". Omit it to list every context.',
      },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      contexts: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            memoryCount: { type: 'integer' },
            owner: { type: 'object' },
            permission: { type: 'string', enum: ['manage', 'write', 'read'] },
          },
        },
      },
      omitted: { type: 'integer' },
    },
    required: ['contexts', 'omitted'],
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(store, args) {
    const needle = optionalString(args, 'nameContains')?.toLowerCase();
    const contexts = (await listContexts(store)).filter(
      (context) => needle === undefined || context.name.toLowerCase().includes(needle),
    );
    return fitListing(contexts, 'contexts', (kept) =>
      kept.map(
        (context) =>
          `- ${context.name}: ${counted(context.memoryCount, 'memories')}, ${ownerText(context.owner)}, permission ${context.permission}`,
      ),
    );
  },
};

function ownerText(owner: ContextOwner): string {
  if (owner.type === 'self') {
    return 'yours';
  }
  return owner.type === 'team' ? `owned by team ${owner.name}` : `owned by ${owner.name}`;
}

/** Drop items from the end until the result fits the listing budget, and report how many were dropped. */
function fitListing<T>(items: T[], key: string, render: (kept: T[]) => string[]): ToolOutput {
  let kept = items;
  for (;;) {
    const omitted = items.length - kept.length;
    const lines = render(kept);
    if (omitted > 0) {
      lines.push(
        `${omitted} more not shown because the result is limited to ${resultBudget.listing} characters.`,
      );
    }
    const structured = { [key]: kept, omitted };
    const text = lines.length > 0 ? lines.join('\n') : `No ${key} found.`;
    if (resultSize(structured, text) <= resultBudget.listing || kept.length === 0) {
      return { structured, text };
    }
    kept = kept.slice(0, Math.floor(kept.length * 0.9));
  }
}

export const allTools: ToolDefinition[] = [
  addTool,
  searchTool,
  listTool,
  getTool,
  updateTool,
  deleteTool,
  historyTool,
  contextsTool,
];

export const readOnlyTools: ToolDefinition[] = allTools.filter(
  (tool) => tool.annotations.readOnlyHint,
);
