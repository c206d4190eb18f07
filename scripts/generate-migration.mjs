#!/usr/bin/env node
// Writes a new SQL migration for each provider from the difference between the current
// prisma/<provider>/schema.prisma and the schema snapshot stored with the latest migration.
// Usage: pnpm db:generate NAME
//
// `prisma migrate dev` cannot run here (it needs a native engine), so migrations are produced
// offline with `prisma migrate diff` and applied by the migrator in packages/db at start-up.
// SQL that Prisma cannot express (the FTS5 index, triggers, generated columns) is added by hand
// below the generated part of migration.sql.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { prismaDiff } from './prisma-diff.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];

if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('Usage: pnpm db:generate NAME (lowercase letters, digits and underscores)');
  process.exit(2);
}

for (const provider of ['sqlite', 'postgres']) {
  const schema = path.join(root, 'prisma', provider, 'schema.prisma');
  const migrationsDir = path.join(root, 'prisma', provider, 'migrations');
  mkdirSync(migrationsDir, { recursive: true });

  const existing = readdirSync(migrationsDir)
    .filter((entry) => /^\d{4}_/.test(entry))
    .sort();
  const latest = existing.at(-1);
  const previousSchema = latest ? path.join(migrationsDir, latest, 'schema.prisma') : undefined;

  const sql = prismaDiff(provider, previousSchema, schema);
  if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
    console.log(`${provider}: schema unchanged, no migration written`);
    continue;
  }

  const number = String(existing.length + 1).padStart(4, '0');
  const dir = path.join(migrationsDir, `${number}_${name}`);
  if (existsSync(dir)) {
    console.error(`${dir} already exists`);
    process.exit(1);
  }
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'migration.sql'), sql);
  copyFileSync(schema, path.join(dir, 'schema.prisma'));
  console.log(`${provider}: wrote ${path.relative(root, dir)}/migration.sql`);
}
