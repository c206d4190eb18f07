// One process, one query, without Prisma: open the mem0 database with better-sqlite3 (the
// store's own driver), read the 10 newest memories with their context names, and print the
// ids and timings as JSON. Usage: node sqlite-query.mjs DB_FILE PACKAGE_JSON_TO_RESOLVE_FROM
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const scriptStartMs = performance.now();
const [dbFile, resolveFrom] = process.argv.slice(2);

const Database = createRequire(resolveFrom)('better-sqlite3');
const loadedMs = performance.now();

const db = new Database(dbFile);
const rows = db
  .prepare(
    `SELECT m.id, m.content, m.created_at, c.name AS context
     FROM memories m JOIN contexts c ON c.id = m.context_id
     ORDER BY m.created_at DESC LIMIT 10`,
  )
  .all();
db.close();
const doneMs = performance.now();

process.stdout.write(
  JSON.stringify({
    ids: rows.map((row) => row.id),
    bootMs: scriptStartMs,
    loadMs: loadedMs - scriptStartMs,
    queryMs: doneMs - loadedMs,
  }),
);
