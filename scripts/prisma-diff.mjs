// Runs `prisma migrate diff` between two schema files (or from an empty database) and returns
// the SQL. Works offline: the CLI uses its WebAssembly schema engine through the driver
// adapter configured in prisma/<provider>/prisma.config.ts.
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
