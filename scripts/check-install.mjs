#!/usr/bin/env node
// Install the CLI the way a stranger would, from the packed tarballs, and use it. Every
// publishable package is packed with `pnpm pack` (which turns workspace: ranges into versions),
// a registry on 127.0.0.1 serves the @memzero scope from those tarballs while every other
// package comes from the npm registry, and `npm install --global --prefix` installs
// @memzero/cli into an empty folder outside the workspace. Then the installed `mem0` adds and
// searches, `mem0-mcp` responds to tools/list, and `mem0 login` signs in to the installed
// `mem0-server` on a PostgreSQL database of its own. Run `pnpm build` first.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createTcpServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packageDirs = [
  'packages/core',
  'packages/db',
  'packages/auth',
  'packages/client',
  'apps/mcp',
  'apps/api',
  'apps/cli',
];
const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const { Pool } = createRequire(path.join(repoRoot, 'packages/db/package.json'))('pg');

const started = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${seconds} s] ${message}\n`);
};

/** Work that undoes what the run set up, run in reverse order at the end. */
const undo = [];

function fail(message) {
  throw new Error(message);
}

function check(condition, message) {
  if (!condition) {
    fail(message);
  }
}

/** Run a command to completion; fail with its output unless it exits with 0. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.status !== 0 && !options.allowFailure) {
    fail(
      `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Run a command without blocking the event loop, which serves the scope registry meanwhile. */
function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) {
        resolve(output);
      } else {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${output}`));
      }
    });
  });
}

function packAll(packDir) {
  const tarballs = new Map();
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8'));
    run('pnpm', ['pack', '--pack-destination', packDir], { cwd: path.join(repoRoot, dir) });
    const file = path.join(
      packDir,
      `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
    );
    check(existsSync(file), `pnpm pack did not write ${file}`);

    const listing = run('tar', ['-tzf', file]).stdout.split('\n').filter(Boolean);
    const stray = listing.filter((entry) => /^package\/(src|test)\//.test(entry));
    check(stray.length === 0, `${manifest.name} packs sources or tests: ${stray.join(', ')}`);
    check(listing.includes('package/README.md'), `${manifest.name} packs no README.md`);
    check(listing.includes('package/LICENSE'), `${manifest.name} packs no LICENSE`);

    const packed = JSON.parse(run('tar', ['-xzOf', file, 'package/package.json']).stdout);
    const ranges = JSON.stringify({ ...packed.dependencies, ...packed.optionalDependencies });
    check(!ranges.includes('workspace:'), `${manifest.name} still has workspace: ranges`);
    tarballs.set(manifest.name, { file, manifest: packed });
  }
  return tarballs;
}

/** Serve the @memzero packages as an npm registry would, on 127.0.0.1. */
async function startScopeRegistry(tarballs) {
  const server = createServer((request, response) => {
    const url = decodeURIComponent(request.url ?? '/');
    const tarball = [...tarballs.values()].find(
      (entry) => url === `/tarballs/${path.basename(entry.file)}`,
    );
    if (tarball) {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      response.end(readFileSync(tarball.file));
      return;
    }

    const entry = tarballs.get(url.slice(1));
    if (!entry) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end('{"error":"not found"}');
      return;
    }
    const bytes = readFileSync(entry.file);
    const { port } = server.address();
    const version = entry.manifest.version;
    const packument = {
      name: entry.manifest.name,
      'dist-tags': { latest: version },
      versions: {
        [version]: {
          ...entry.manifest,
          _id: `${entry.manifest.name}@${version}`,
          dist: {
            tarball: `http://127.0.0.1:${port}/tarballs/${path.basename(entry.file)}`,
            integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
            shasum: createHash('sha1').update(bytes).digest('hex'),
          },
        },
      },
    };
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(packument));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  undo.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}/`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForReady(url, child) {
  for (let attempt = 0; attempt < 100; attempt++) {
    check(child.exitCode === null, `mem0-server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(`mem0-server did not become ready at ${url}`);
}

async function postJson(url, body, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  check(
    response.status === 201 || response.status === 200,
    `POST ${url}: ${response.status} ${text}`,
  );
  return JSON.parse(text);
}

/** Start `mem0-server` from `serverBin` on a new database, and return its URL once ready. */
async function startServer(serverBin) {
  const databaseName = `mem0_install_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${databaseName}`);
  undo.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  });
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${databaseName}`;

  const port = await freePort();
  const server = spawn(process.execPath, [serverBin], {
    cwd: os.tmpdir(),
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl.toString(),
      MEM0_JWT_SECRET: randomBytes(48).toString('base64'),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  undo.push(
    () =>
      new Promise((resolve) => {
        if (server.exitCode !== null) {
          resolve();
          return;
        }
        server.once('exit', resolve);
        server.kill('SIGTERM');
      }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(url, server);
  return url;
}

/** Ask the installed mem0-mcp for its tools over stdio, as an MCP client would. */
function listToolsOverStdio(binDir, env) {
  const messages = [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'check-install', version: '1' },
      },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir, 'mem0-mcp'), [], { env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mem0-mcp timed out on tools/list: ${stderr}`));
    }, 20_000);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const answers = stdout.split('\n').filter((line) => line.trim() !== '');
      if (answers.length >= 2) {
        child.stdin.end();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const answers = stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line));
      resolve({ code, answers, stderr });
    });
    for (const message of messages) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }
  });
}

function findDirectories(root, names) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) {
        continue;
      }
      const full = path.join(dir, entry.name);
      if (names.includes(entry.name)) {
        found.push(full);
      }
      walk(full);
    }
  };
  walk(root);
  return found;
}

async function main() {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'mem0-install-'));
  undo.push(() => rmSync(workDir, { recursive: true, force: true }));
  const packDir = path.join(workDir, 'tarballs');
  const prefix = path.join(workDir, 'prefix');
  const home = path.join(workDir, 'home');
  mkdirSync(packDir);
  mkdirSync(prefix);

  const tarballs = packAll(packDir);
  const version = tarballs.get('@memzero/cli').manifest.version;
  log(`packed ${tarballs.size} packages at version ${version}`);

  const registry = await startScopeRegistry(tarballs);
  const installStart = performance.now();
  await runAsync(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      `--@memzero:registry=${registry}`,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `@memzero/cli@${version}`,
    ],
    { cwd: workDir },
  );
  log(
    `npm install --global --prefix took ${((performance.now() - installStart) / 1000).toFixed(1)} s`,
  );

  const modules = path.join(prefix, 'lib', 'node_modules');
  const prisma = findDirectories(modules, ['@prisma', 'prisma', '.prisma']);
  check(prisma.length === 0, `the install contains Prisma: ${prisma.join(', ')}`);

  const binDir = path.join(prefix, 'bin');
  const env = {
    PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
    HOME: home,
    MEM0_HOME: home,
    NO_COLOR: '1',
  };
  const mem0 = (args, options = {}) =>
    run(path.join(binDir, 'mem0'), args, { env, cwd: workDir, ...options });

  check(mem0(['--version']).stdout.trim() === version, 'mem0 --version does not print the version');
  mem0(['add', 'The staging database is reset every Sunday at 02:00 UTC', '--context', 'ops']);
  const hits = JSON.parse(mem0(['search', 'when is staging reset', '--json']).stdout);
  check(
    hits.length === 1 && hits[0].content.includes('staging database'),
    `mem0 search found ${JSON.stringify(hits)}`,
  );
  log('mem0 add and mem0 search work on the local store');

  const mcp = await listToolsOverStdio(binDir, env);
  const tools = mcp.answers.find((answer) => answer.id === 2)?.result?.tools ?? [];
  check(tools.length === 8, `mem0-mcp listed ${tools.length} tools: ${mcp.stderr}`);
  check(mcp.code === 0, `mem0-mcp exited with ${mcp.code} when stdin closed`);
  log('mem0-mcp lists 8 tools');

  // The installed server: a dependency of the CLI, started on a database of its own.
  const cliRequire = createRequire(path.join(modules, '@memzero/cli/package.json'));
  const serverBin = path.join(
    path.dirname(cliRequire.resolve('@memzero/api/package.json')),
    'dist/bin.js',
  );
  const url = await startServer(serverBin);
  log(`the installed mem0-server is ready at ${url}`);

  const account = await postJson(`${url}/v1/auth/register`, {
    email: 'install-check@example.com',
    password: 'correct horse battery',
  });
  const key = await postJson(
    `${url}/v1/api-keys`,
    { name: 'install-check', scope: 'write' },
    account.accessToken,
  );

  mem0(['login', url, '--with-token', '--insecure-storage', '--profile', 'team'], {
    input: `${key.key}\n`,
  });
  const whoami = JSON.parse(mem0(['whoami', '--json']).stdout);
  check(whoami.account === 'install-check@example.com', `whoami says ${JSON.stringify(whoami)}`);
  mem0(['add', 'Stored on the team server by the installed CLI']);
  const remoteHits = JSON.parse(mem0(['search', 'installed CLI', '--json']).stdout);
  check(remoteHits.length === 1, `the team search found ${JSON.stringify(remoteHits)}`);
  log('mem0 login, whoami, add and search work against the server');

  // Without keytar, as when it cannot be built: login must explain the file fallback.
  const keytarDir = path.dirname(cliRequire.resolve('@memzero/cli/package.json'));
  const keytar = findDirectories(path.join(keytarDir, 'node_modules'), ['keytar'])[0];
  if (keytar) {
    renameSync(keytar, `${keytar}.moved`);
  }
  const withoutKeytar = mem0(['login', url, '--with-token', '--profile', 'no-keychain'], {
    input: `${key.key}\n`,
    allowFailure: true,
  });
  check(
    withoutKeytar.status !== 0,
    'login without keytar succeeded without a place for its secret',
  );
  check(
    withoutKeytar.stderr.includes('--insecure-storage'),
    `login without keytar does not explain the file fallback:\n${withoutKeytar.stderr}`,
  );
  log(
    `without keytar (${keytar ? 'removed' : 'not installed'}), login explains --insecure-storage`,
  );

  // The server bundle that docker/Dockerfile builds and runs, made by the same script.
  const bundle = path.join(workDir, 'bundle');
  await runAsync('bash', [path.join(repoRoot, 'scripts/bundle-server.sh'), bundle], {
    cwd: repoRoot,
  });
  const bundleUrl = await startServer(path.join(bundle, 'dist/bin.js'));
  const health = await fetch(`${bundleUrl}/healthz`);
  check(health.status === 200, `the bundled server's /healthz answered ${health.status}`);
  log(`the server bundle of the Docker image migrates and is ready at ${bundleUrl}`);
}

let status = 0;
try {
  await main();
  log('install check passed');
} catch (error) {
  process.stderr.write(`install check failed: ${error.message}\n`);
  status = 1;
} finally {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (error) {
      process.stderr.write(`cleanup step failed: ${error.message}\n`);
    }
  }
}
process.exit(status);
