// Module resolution hooks for CLI tests:
// - MODULE_GUARD_LOG: a file to which every bare specifier the CLI imports is appended, one a line.
// - MODULE_GUARD_BLOCK: comma-separated specifiers whose import fails, as when an optional
//   native dependency could not be built.
import { appendFileSync } from 'node:fs';

const log = process.env.MODULE_GUARD_LOG;
const blocked = new Set((process.env.MODULE_GUARD_BLOCK ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, nextResolve) {
  const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
  if (log && bare) {
    appendFileSync(log, `${specifier}\n`);
  }
  if (blocked.has(specifier)) {
    throw new Error(`Cannot find module '${specifier}' (blocked by the test)`);
  }
  return nextResolve(specifier, context);
}
