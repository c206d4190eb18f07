// Makes the Prisma CLI use its WebAssembly schema engine through a driver adapter, so
// `prisma migrate diff` works without downloading the native engines. Diffs between schema
// files never connect, so the connection string is only a placeholder default.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  adapter: async () =>
    new PrismaPg({
      connectionString: process.env.DATABASE_URL ?? 'postgresql://127.0.0.1:5432/postgres',
    }),
});
