// Makes the Prisma CLI use its WebAssembly schema engine through a driver adapter, so
// `prisma migrate diff` works without downloading the native engines.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  adapter: async () => new PrismaBetterSQLite3({ url: ':memory:' }),
});
