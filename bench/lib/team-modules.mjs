// Paths and modules of the team server (apps/api) and the packages it runs on, resolved the way
// apps/api resolves them, so the benchmark loads the same copies of pg, express and the
// workspace packages as the server it measures.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { repoRoot } from './paths.mjs';

export const apiDir = path.join(repoRoot, 'apps/api');
export const serverBin = path.join(apiDir, 'dist/bin.js');
export const requireFromApi = createRequire(path.join(apiDir, 'package.json'));

/** The built files the benchmark runs; each must exist before it starts. */
export const requiredBuilds = [
  serverBin,
  path.join(repoRoot, 'packages/core/dist/index.js'),
  path.join(repoRoot, 'packages/db/dist/postgres/index.js'),
  path.join(repoRoot, 'packages/auth/dist/index.js'),
];

const builtPackages = ['packages/core', 'packages/db', 'packages/auth', 'apps/api'];

/**
 * Load the workspace packages and drivers the benchmark needs. `sql` is the PostgreSQL store's
 * own module of SQL helpers (tsvectorLiteral, wordCount). It is not part of the package's
 * public exports, so it is loaded by file path, which makes the bulk load use the store's code
 * instead of a copy of it.
 */
export function loadTeamModules() {
  return {
    core: requireFromApi('@memzero/core'),
    postgres: requireFromApi('@memzero/db/postgres'),
    auth: requireFromApi('@memzero/auth'),
    sql: requireFromApi(path.join(repoRoot, 'packages/db/dist/postgres/sql.js')),
    pg: requireFromApi('pg'),
  };
}

/** Return the version field of a package as apps/api resolves it. */
export function packageVersion(name) {
  const file = requireFromApi.resolve(`${name}/package.json`);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) {
    return newest;
  }
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      newest = Math.max(
        newest,
        statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs,
      );
    }
  }
  return newest;
}

/**
 * List the packages the server runs whose newest file under src/ is newer than their newest
 * file under dist/: the benchmark would measure code older than the sources.
 */
export function findStaleServerBuilds() {
  return builtPackages.filter((packageDir) => {
    const root = path.join(repoRoot, packageDir);
    return newestMtime(path.join(root, 'src')) > newestMtime(path.join(root, 'dist'));
  });
}

/** Return the modification time of the newest built file of the server's packages. */
export function newestServerBuildMtime() {
  return Math.max(
    ...builtPackages.map((packageDir) => newestMtime(path.join(repoRoot, packageDir, 'dist'))),
  );
}
