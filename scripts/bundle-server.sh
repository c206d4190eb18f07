#!/usr/bin/env bash
# Copy the built API server (@memzero/api) and its production dependencies into OUT_DIR, a
# self-contained folder that runs with `node OUT_DIR/dist/bin.js`. Run `pnpm install` and
# `pnpm build` first. docker/Dockerfile runs this same script.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: scripts/bundle-server.sh OUT_DIR" >&2
  exit 2
fi

mkdir -p "$1"
out="$(cd "$1" && pwd)"
cd "$(dirname "$0")/.."

if [ -n "$(ls -A "$out")" ]; then
  echo "bundle-server: $out is not empty. Remove it or name a new folder." >&2
  exit 1
fi

if [ ! -f apps/api/dist/bin.js ]; then
  echo "bundle-server: apps/api/dist/bin.js is missing. Run pnpm build first." >&2
  exit 1
fi

# pnpm 10 deploys from a workspace only with injected workspace packages, which copies each
# @memzero package (its "files") into the bundle instead of linking back into the repository.
# Setting it on the command line leaves pnpm-workspace.yaml and the lockfile as they are.
# better-sqlite3 comes out of the store already compiled, or is compiled here from source.
pnpm --filter @memzero/api deploy --prod --config.inject-workspace-packages=true "$out"

# Fail here, not at the server's first start, when a workspace package was not built or the
# native SQLite module does not load.
for package_dir in "$out"/node_modules/.pnpm/@memzero+*/node_modules/@memzero/*; do
  if [ ! -d "$package_dir/dist" ]; then
    echo "bundle-server: $(basename "$package_dir") has no dist folder. Run pnpm build first." >&2
    exit 1
  fi
done
(
  cd "$out"
  node -e "
    const { createRequire } = require('node:module');
    const requireFromDb = createRequire(require.resolve('@memzero/db/package.json'));
    const Database = requireFromDb('better-sqlite3');
    new Database(':memory:').close();
  "
)

echo "bundle-server: wrote $out; start it with: node $out/dist/bin.js"
