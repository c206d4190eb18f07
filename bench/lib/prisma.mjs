// Generate the Prisma Client for the SQLite schema under bench/.data/prisma, so that a process
// can run one query through Prisma against a mem0 database for the start-up comparison.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { benchDir, repoRoot, requireFromRoot } from './paths.mjs';

const dbPackageDir = path.join(repoRoot, 'packages/db');
const sourceSchema = path.join(repoRoot, 'prisma/sqlite/schema.prisma');
const prismaCli = path.join(dbPackageDir, 'node_modules/.bin/prisma');

/**
 * Prepare the Prisma client in `dataDir/prisma`: copy the schema with its generator output
 * pointed at `./generated`, run `prisma generate`, compile the generated TypeScript to
 * JavaScript (Node 20 cannot run TypeScript), and link the Prisma packages of packages/db
 * beside it. Returns `{ ok: true, ... }` or `{ ok: false, step, error }` naming the failed step.
 */
export function preparePrisma(dataDir) {
  const dir = path.join(dataDir, 'prisma');
  let step = 'start';
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });

    step = 'copy the schema with a new output path';
    const schema = readFileSync(sourceSchema, 'utf8');
    const generator = /generator\s+client\s*\{([^}]*)\}/.exec(schema)?.[1] ?? '';
    const outputLine = /^(\s*output\s*=\s*)"[^"]*"/m;
    if (!outputLine.test(generator)) {
      throw new Error(`no output = "..." line in the generator block of ${sourceSchema}`);
    }
    const schemaCopy = path.join(dir, 'schema.prisma');
    writeFileSync(schemaCopy, schema.replace(outputLine, '$1"./generated"'));

    step = 'write a placeholder schema engine';
    // `prisma generate` does not run the schema engine, but the CLI tries to download one unless
    // this variable names an existing executable, and that download fails without network.
    const placeholderEngine = path.join(dir, 'placeholder-schema-engine.sh');
    writeFileSync(
      placeholderEngine,
      '#!/bin/sh\necho "placeholder schema engine: the benchmark only runs prisma generate" >&2\nexit 1\n',
    );
    chmodSync(placeholderEngine, 0o755);

    step = 'prisma generate';
    const generateStart = performance.now();
    const generate = spawnSync(prismaCli, ['generate', '--schema', schemaCopy], {
      cwd: dbPackageDir,
      encoding: 'utf8',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: placeholderEngine,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    });
    const generateMs = performance.now() - generateStart;
    if (generate.error || generate.status !== 0) {
      throw new Error(
        `${prismaCli} generate exited with status ${generate.status}: ${(generate.error?.message ?? '') + generate.stderr + generate.stdout}`.trim(),
      );
    }

    step = 'compile the generated TypeScript';
    compileGeneratedClient(path.join(dir, 'generated'), path.join(dir, 'client'));

    step = 'link the Prisma packages of packages/db';
    const links = {};
    for (const name of ['@prisma/client', '@prisma/adapter-better-sqlite3']) {
      const target = realpathSync(path.join(dbPackageDir, 'node_modules', name));
      const link = path.join(dir, 'node_modules', name);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(target, link, 'dir');
      links[name] = target;
    }

    step = 'copy the query script';
    const script = path.join(dir, 'query.mjs');
    copyFileSync(path.join(benchDir, 'children/prisma-query.mjs'), script);

    step = 'read versions';
    const readVersion = (packageDir) =>
      JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
    const adapterRequire = createRequire(
      path.join(links['@prisma/adapter-better-sqlite3'], 'package.json'),
    );
    const AdapterDatabase = adapterRequire('better-sqlite3');
    const memory = new AdapterDatabase(':memory:');
    const adapterSqliteVersion = memory.prepare('SELECT sqlite_version()').pluck().get();
    memory.close();

    return {
      ok: true,
      dir,
      script,
      generator: Object.fromEntries(
        [...generator.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)].map((match) => [match[1], match[2]]),
      ),
      generateMs,
      versions: {
        prisma: readVersion(realpathSync(path.join(dbPackageDir, 'node_modules/prisma'))),
        prismaClient: readVersion(links['@prisma/client']),
        adapterBetterSqlite3: readVersion(links['@prisma/adapter-better-sqlite3']),
        adapterBetterSqlite3Driver: readVersion(
          path.dirname(adapterRequire.resolve('better-sqlite3/package.json')),
        ),
        adapterSqlite: adapterSqliteVersion,
      },
    };
  } catch (error) {
    return { ok: false, step, error: String(error?.message ?? error) };
  }
}

/**
 * Transpile each generated `.ts` file to an ES module `.js` file with TypeScript's
 * transpileModule, rewriting the `./x.ts` import specifiers to `./x.js`. Types are not
 * checked, and the generated files start with `@ts-nocheck` anyway.
 */
function compileGeneratedClient(sourceDir, outputDir) {
  const ts = requireFromRoot('typescript');
  mkdirSync(outputDir, { recursive: true });
  for (const file of readdirSync(sourceDir, { recursive: true })) {
    if (!file.endsWith('.ts')) {
      continue;
    }
    const source = readFileSync(path.join(sourceDir, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
      },
    });
    const destination = path.join(outputDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(destination), { recursive: true });
    writeFileSync(destination, outputText);
  }
  writeFileSync(path.join(outputDir, 'package.json'), '{ "type": "module" }\n');
}
