// One process, one query, with Prisma Client: the same read as sqlite-query.mjs through the
// generated client and @prisma/adapter-better-sqlite3. The benchmark copies this file next to
// the generated client under bench/.data/prisma, where its imports resolve.
// Usage: node query.mjs DB_FILE
import { performance } from 'node:perf_hooks';

const scriptStartMs = performance.now();
const [dbFile] = process.argv.slice(2);

const { PrismaClient } = await import('./client/client.js');
const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
const loadedMs = performance.now();

const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
const rows = await prisma.memory.findMany({
  select: { id: true, content: true, createdAt: true, context: { select: { name: true } } },
  orderBy: { createdAt: 'desc' },
  take: 10,
});
await prisma.$disconnect();
const doneMs = performance.now();

process.stdout.write(
  JSON.stringify({
    ids: rows.map((row) => row.id),
    bootMs: scriptStartMs,
    loadMs: loadedMs - scriptStartMs,
    queryMs: doneMs - loadedMs,
  }),
);
