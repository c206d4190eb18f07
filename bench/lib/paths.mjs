import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(benchDir, '..');

/** Everything the benchmark writes: corpus files, stores, the generated Prisma client, results. */
export const dataDir = path.join(benchDir, '.data');

export const cliBin = path.join(repoRoot, 'apps/cli/dist/bin.js');
export const coreDist = path.join(repoRoot, 'packages/core/dist/index.js');
export const dbDist = path.join(repoRoot, 'packages/db/dist/index.js');

/** Resolves packages the way packages/db does, so better-sqlite3 is the store's own copy. */
export const requireFromDb = createRequire(path.join(repoRoot, 'packages/db/package.json'));
export const requireFromRoot = createRequire(path.join(repoRoot, 'package.json'));
