import { preview, type Memory, type Revision } from '@memzero/core';

/** Maximum length of a content preview in search, list and history results, in UTF-16 code units. */
export const previewMaxChars = 280;

/**
 * Size budget of one tool result: the JSON of its structured content plus its text content, in
 * UTF-16 code units. Listing tools (search, list, history, contexts) keep to `listing`; tools
 * that return one memory keep to `single`, which fits the longest allowed content twice (text
 * and structured) even when every character needs a six-character JSON escape.
 */
export const resultBudget = {
  listing: 65_536,
  single: 524_288,
} as const;

export interface MemorySummary {
  id: string;
  context: string;
  tags: string[];
  source: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  preview: string;
  truncated: boolean;
  /** Length of the full content in Unicode code points, the unit of the content limit. */
  contentLength: number;
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) {
    count += 1;
  }
  return count;
}

export function summarize(memory: Memory): MemorySummary {
  const cut = preview(memory.content, previewMaxChars);
  return {
    id: memory.id,
    context: memory.context,
    tags: memory.tags,
    source: memory.source,
    version: memory.version,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    expiresAt: memory.expiresAt,
    preview: cut.text,
    truncated: cut.truncated,
    contentLength: codePointLength(memory.content),
  };
}

export interface RevisionSummary {
  version: number;
  operation: string;
  context: string;
  tags: string[];
  createdAt: string;
  preview: string;
  truncated: boolean;
  contentLength: number;
}

export function summarizeRevision(revision: Revision): RevisionSummary {
  const cut = preview(revision.content, previewMaxChars);
  return {
    version: revision.version,
    operation: revision.operation,
    context: revision.context,
    tags: revision.tags,
    createdAt: revision.createdAt,
    preview: cut.text,
    truncated: cut.truncated,
    contentLength: codePointLength(revision.content),
  };
}

/** Render one summary as a line of text for the model. */
export function summaryLine(summary: MemorySummary): string {
  const tags = summary.tags.length > 0 ? ` [${summary.tags.join(', ')}]` : '';
  const cut = summary.truncated ? ` (preview of ${summary.contentLength} characters)` : '';
  return `- ${summary.id} in ${summary.context}${tags}: ${summary.preview}${cut}`;
}

/** Size of a result as counted against the budget. */
export function resultSize(structured: unknown, text: string): number {
  return JSON.stringify(structured).length + JSON.stringify(text).length;
}
