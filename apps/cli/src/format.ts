import {
  type ContextSummary,
  type Memory,
  preview,
  type Revision,
  type SearchHit,
} from '@memzero/core';

import { type Colors, colorsFor, type CommandIO, writeLine } from './io.js';

// C0 controls other than tab and newline, DEL, and C1 controls. Stored text may hold them
// (pasted terminal output carries colour escapes); written raw they would drive the terminal.
// eslint-disable-next-line no-control-regex -- finding control characters is the purpose.
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;

/**
 * Make stored text safe to print on a terminal: each control character becomes its visible
 * Unicode control picture (ESC shows as ␛), so escape sequences in content are shown, not run.
 */
export function printable(text: string): string {
  return text.replace(controlCharacters, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) {
      return String.fromCharCode(0x2400 + code);
    }
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
}

/** The date and minute of an ISO timestamp, in UTC: `2026-01-31 09:30Z`. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

function tagList(tags: string[], colors: Colors): string {
  return tags.length === 0 ? '' : ` ${colors.cyan(tags.map((tag) => `#${tag}`).join(' '))}`;
}

/** One line per memory: id, time, context, tags, then a preview of the content. */
export function formatMemoryLine(memory: Memory, colors: Colors, width = 100): string {
  const head = `${colors.yellow(memory.id)}  ${colors.dim(shortTime(memory.createdAt))}  ${colors.green(memory.context)}${tagList(memory.tags, colors)}`;
  return `${head}\n    ${printable(preview(memory.content, width).text)}`;
}

/** Every field of one memory, then its full content. */
export function formatMemory(memory: Memory, colors: Colors): string {
  const lines = [
    `${colors.bold('id')}        ${colors.yellow(memory.id)}`,
    `${colors.bold('context')}   ${colors.green(memory.context)}`,
  ];
  if (memory.tags.length > 0) {
    lines.push(`${colors.bold('tags')}     ${tagList(memory.tags, colors).trim()}`);
  }
  if (Object.keys(memory.metadata).length > 0) {
    lines.push(`${colors.bold('metadata')}  ${printable(JSON.stringify(memory.metadata))}`);
  }
  lines.push(
    `${colors.bold('created')}   ${shortTime(memory.createdAt)} `,
    `${colors.bold('updated')}   ${shortTime(memory.updatedAt)} (version ${memory.version}, from ${memory.source})`,
  );
  if (memory.expiresAt) {
    lines.push(`${colors.bold('expires')}   ${shortTime(memory.expiresAt)}`);
  }
  lines.push('', printable(memory.content));
  return lines.join('\n');
}

/** A numbered search hit: the head line, then the snippet with matches highlighted. */
export function formatHit(hit: SearchHit, rank: number, colors: Colors): string {
  const snippet = printable(hit.snippet).replace(/\*\*(.+?)\*\*/gu, (_match, word: string) =>
    colors.isColorSupported ? colors.bold(colors.magenta(word)) : `**${word}**`,
  );
  const head = `${colors.dim(`${rank}.`)} ${colors.yellow(hit.id)}  ${colors.green(hit.context)}${tagList(hit.tags, colors)}  ${colors.dim(shortTime(hit.createdAt))}`;
  return `${head}\n   ${snippet}`;
}

export function formatRevision(revision: Revision, colors: Colors): string {
  const metadata =
    Object.keys(revision.metadata).length > 0
      ? ` ${colors.dim(printable(JSON.stringify(revision.metadata)))}`
      : '';
  const head = `${colors.bold(`v${revision.version}`)} ${revision.operation.padEnd(6)} ${colors.dim(shortTime(revision.createdAt))}  ${colors.green(revision.context)}${tagList(revision.tags, colors)}${metadata}`;
  return `${head}\n    ${printable(preview(revision.content, 100).text)}`;
}

export function formatContexts(contexts: ContextSummary[], colors: Colors): string {
  const width = Math.max(7, ...contexts.map((context) => [...context.name].length));
  const ownerWidth = Math.max(5, ...contexts.map((context) => [...ownerLabel(context)].length));
  const header = colors.dim(
    `${'CONTEXT'.padEnd(width)}  MEMORIES  ${'LAST CHANGE'.padEnd(17)}  ${'OWNER'.padEnd(ownerWidth)}  PERMISSION`,
  );
  const rows = contexts.map((context) => {
    const changed = context.lastUpdatedAt ? shortTime(context.lastUpdatedAt) : '-';
    return `${colors.green(printable(context.name).padEnd(width))}  ${String(context.memoryCount).padStart(8)}  ${changed.padEnd(17)}  ${printable(ownerLabel(context)).padEnd(ownerWidth)}  ${context.permission}`;
  });
  return [header, ...rows].join('\n');
}

/** Return the owner of a context for a table cell: `you`, `team NAME` or the owner's email. */
function ownerLabel(context: ContextSummary): string {
  if (context.owner.type === 'self') {
    return 'you';
  }
  return context.owner.type === 'team' ? `team ${context.owner.name}` : (context.owner.name ?? '?');
}

/**
 * Lay out a table as lines of columns two spaces apart, the header first. Cells are made
 * printable, because some hold text that other people typed.
 */
export function tableLines(header: string[], rows: string[][]): string[] {
  const cells = rows.map((row) => row.map(printable));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => [...row[column]!].length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

/** Write a table to stdout with `tableLines`, the header dimmed on a terminal. */
export function writeTable(io: CommandIO, header: string[], rows: string[][]): void {
  const colors = colorsFor(io.stdout, io.env);
  const [head, ...lines] = tableLines(header, rows);
  writeLine(io.stdout, colors.dim(head!));
  for (const line of lines) {
    writeLine(io.stdout, line);
  }
}
