#!/usr/bin/env node
// Writes a new SQL migration for each provider from the difference between the current
// prisma/<provider>/schema.prisma and the schema snapshot stored with the latest migration.
// Usage: pnpm db:generate NAME
//
// `prisma migrate dev` cannot run here (it needs a native engine), so migrations are produced
// offline with `prisma migrate diff` and applied by the migrator in packages/db at start-up.
// SQL that Prisma cannot express (the FTS5 index, triggers, generated columns) is added by hand
// below the generated part of migration.sql.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];

if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('Usage: pnpm db:generate NAME (lowercase letters, digits and underscores)');
  process.exit(2);
}

export function prismaDiff(provider, fromSchema, toSchema) {
  // `prisma generate` and `migrate diff` never run the schema engine binary, but the CLI
  // tries to download one unless this variable points at an existing executable.
  const placeholderEngine = path.join(tmpdir(), 'mem0-prisma-placeholder-engine');
  writeFileSync(placeholderEngine, '#!/bin/sh\nexit 1\n');
  chmodSync(placeholderEngine, 0o755);

  const from = fromSchema ? ['--from-schema-datamodel', fromSchema] : ['--from-empty'];
  return execFileSync(
    path.join(root, 'packages/db/node_modules/.bin/prisma'),
    [
      'migrate',
      'diff',
      '--config',
      path.join(root, 'prisma', provider, 'prisma.config.ts'),
      ...from,
      '--to-schema-datamodel',
      toSchema,
      '--script',
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: placeholderEngine,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

for (const provider of ['sqlite', 'postgres']) {
  const schema = path.join(root, 'prisma', provider, 'schema.prisma');
  const migrationsDir = path.join(root, 'prisma', provider, 'migrations');
  mkdirSync(migrationsDir, { recursive: true });

  const existing = readdirSync(migrationsDir).filter((entry) => /^\d{4}_/.test(entry)).sort();
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
