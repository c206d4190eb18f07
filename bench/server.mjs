#!/usr/bin/env node
// mem0 team server benchmark: HTTP search and add throughput and latency of `mem0-server` on
// PostgreSQL with 100,000 memories, with one and two server processes, against a bare Express
// route and the search's own SQL run through pg alone. Run `pnpm build`, then
// `pnpm bench:server` (or `node bench/server.mjs --quick` for a smaller, shorter check that the
// script works). Writes bench/.data/server-results.json and the printed report to
// bench/.data/server-report.txt.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

import { buildSets, ensureFortunes, readCorpus } from './lib/corpus.mjs';
import { runHttpLoad, runSearchSql } from './lib/http-load.mjs';
import { describeMachine } from './lib/machine.mjs';
import { dataDir, repoRoot } from './lib/paths.mjs';
import {
  adminUrl,
  bulkLoad,
  compareWithStoreImport,
  countOutOfOrder,
  createDatabase,
  vacuumAnalyze,
} from './lib/postgres-data.mjs';
import { measureOutsideLoad, postgresProcesses } from './lib/process-cpu.mjs';
import { buildQueries } from './lib/queries.mjs';
import {
  requestJson,
  startBareExpress,
  startMem0Server,
  stopChild,
  unlimitedRateLimits,
} from './lib/server-processes.mjs';
import { evaluateTargets, printServerReport } from './lib/server-report.mjs';
import { round, seededRandom, shuffled } from './lib/stats.mjs';
import {
  findStaleServerBuilds,
  loadTeamModules,
  newestServerBuildMtime,
  packageVersion,
  requiredBuilds,
} from './lib/team-modules.mjs';

const quick = process.argv.includes('--quick');
const settings = quick
  ? {
      records: 20_000,
      connections: 32,
      warmupSeconds: 1,
      durationSeconds: 3,
      sqlPasses: 1,
      authCalls: 100,
      compareEvery: 50,
    }
  : {
      records: 100_000,
      connections: 32,
      warmupSeconds: 3,
      durationSeconds: 10,
      sqlPasses: 3,
      authCalls: 500,
      compareEvery: 50,
    };
// Results per search, as the API returns by default.
const searchLimit = 10;

/**
 * The query categories of bench/lib/queries.mjs that the load sends: what a person types into
 * a search box. Left out are single common words such as "the", the hostile strings, which
 * mostly have no words to search, and pasted paragraphs of 40 words or more.
 */
const searchCategories = [
  'mid-frequency word',
  'rare word',
  'two-word phrase',
  'three-word phrase',
  'prefix',
  'chinese word',
  'chinese phrase',
];

const runStart = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - runStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
};

/** Child processes still running. `cleanUp` stops them when the run ends, fails or gets SIGINT or SIGTERM. */
const children = new Set();
/** Work that undoes what the run set up (stop servers, drop the database), in reverse order. */
const undo = [];
let cleaning;
let stoppedBy;

function cleanUp() {
  cleaning ??= (async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`Clean-up step failed: ${error.message}`);
      }
    }
    await Promise.all([...children].map((child) => stopChild(child)));
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stoppedBy = signal;
    log(`${signal} received: stopping the servers and dropping the database.`);
    cleanUp().finally(() => process.exit(130));
  });
}

async function main() {
  for (const file of requiredBuilds) {
    if (!existsSync(file)) {
      throw new Error(
        `${path.relative(repoRoot, file)} is missing. Run "pnpm install && pnpm build" first.`,
      );
    }
  }
  const staleBuilds = findStaleServerBuilds();
  const buildMtimeAtStart = newestServerBuildMtime();
  if (staleBuilds.length > 0) {
    log(
      `WARNING: ${staleBuilds.join(', ')} changed after the last build, so the benchmark measures older code. Run "pnpm build" first.`,
    );
  }
  mkdirSync(dataDir, { recursive: true });

  const modules = loadTeamModules();
  const { core, pg } = modules;
  const phases = {};
  const phase = async (name, work) => {
    const start = performance.now();
    log(`${name}…`);
    const result = await work();
    phases[name] = round((performance.now() - start) / 1000, 1);
    return result;
  };

  // Corpus, data set and queries, as bench/run.mjs builds them.
  ensureFortunes(log);
  const corpus = readCorpus();
  const sets = buildSets(corpus, core.normalizeContent, {
    smallSize: 10_000,
    largeSize: settings.records,
  });
  const lines = sets.large.map((record) => JSON.stringify(record));
  const allQueries = buildQueries(sets.distinct, core.tokenize);
  const queries = allQueries.filter((query) => searchCategories.includes(query.category));
  const addTexts = shuffled(sets.distinct, seededRandom(17))
    .slice(0, 5_000)
    .map((entry) => entry.content);
  const dataSet = {
    records: lines.length,
    distinctEntries: lines.length - sets.pairs,
    joinedPairs: sets.pairs,
    meanContentChars: Math.round(
      sets.large.reduce((sum, record) => sum + record.content.length, 0) / lines.length,
    ),
    english: sets.large.filter((record) => record.context === 'fortunes-en').length,
    chinese: sets.large.filter((record) => record.context === 'fortunes-zh').length,
  };
  log(`Data set: ${lines.length} records; ${queries.length} queries.`);

  log('Measuring the load of other processes for 3 s before starting…');
  const outsideLoadAtStart = await measureOutsideLoad(3_000);
  log(`Other processes used ${outsideLoadAtStart?.toFixed(2)} cores.`);

  // The database and the first server.
  const database = await createDatabase(pg);
  undo.push(() => database.drop());
  log(`Created database ${database.name} on ${new URL(adminUrl).host}.`);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  undo.push(() => pool.end());
  const monitor = new pg.Client({ connectionString: database.url });
  await monitor.connect();
  undo.push(() => monitor.end());

  const { rows: versionRows } = await monitor.query('SHOW server_version');
  const { rows: bufferRows } = await monitor.query('SHOW shared_buffers');
  // The server's own migrator, as a server start would run it.
  const migrator = new modules.postgres.PostgresDatabase(database.url, { maxConnections: 1 });
  const migrations = await migrator.migrate().finally(() => migrator.close());
  // The pool size a server process gets: serveTeam passes no maxConnections.
  const defaults = new modules.postgres.PostgresDatabase(database.url);
  const serverPoolConnections = defaults.pool.options.max;
  await defaults.close();

  const jwtSecret = randomBytes(48).toString('base64');
  const servers = [];
  const startServer = async (index) => {
    const server = await startMem0Server(
      {
        databaseUrl: database.url,
        jwtSecret,
        logFile: path.join(dataDir, `server-${index + 1}.log`),
      },
      children,
    );
    undo.push(() => stopChild(server.child));
    servers.push(server);
    log(`mem0-server ${index + 1} listens on ${server.url} (pid ${server.pid}).`);
    return server;
  };
  const first = await startServer(0);

  // An account and a write key, through the API.
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(18).toString('base64url');
  const session = await requestJson(`${first.url}/v1/auth/register`, {
    body: { email, password },
  });
  const userId = session.user.id;
  const created = await requestJson(`${first.url}/v1/api-keys`, {
    body: { name: 'benchmark', scope: 'write' },
    token: session.accessToken,
  });
  const apiKey = created.key;

  // The data, loaded in bulk, checked against the store's own import, and vacuumed.
  const load = await phase('load', async () => {
    const loaded = await bulkLoad(modules, pool, userId, lines, log);
    log(
      `Loaded ${loaded.memories.toLocaleString('en-US')} memories in ${loaded.seconds.toFixed(1)} s.`,
    );
    const vacuumStart = performance.now();
    await vacuumAnalyze(pool);
    const vacuumSeconds = (performance.now() - vacuumStart) / 1000;
    const outOfOrder = await countOutOfOrder(pool);
    const sample = lines.filter((_, index) => index % settings.compareEvery === 0);
    const comparison = await compareWithStoreImport(modules, pool, userId, sample, (drop) =>
      undo.push(drop),
    );
    if (comparison.differing > 0 || comparison.foundInBulkLoad !== comparison.sampled) {
      throw new Error(
        `The bulk load differs from the store's import: ${JSON.stringify(comparison.differences)}`,
      );
    }
    if (outOfOrder > 0) {
      throw new Error(`${outOfOrder} memories were loaded out of line order.`);
    }
    const { rows } = await pool.query(
      'SELECT pg_database_size(current_database())::bigint AS bytes, (SELECT count(*)::int FROM memories) AS memories',
    );
    return {
      ...loaded,
      vacuumSeconds,
      comparison,
      outOfOrder,
      memoriesInDatabase: rows[0].memories,
      databaseMiB: round(Number(rows[0].bytes) / 1024 ** 2, 0),
    };
  });
  log(
    `The bulk load matches the store's import on all ${load.comparison.sampled} sampled memories.`,
  );

  // One search through the API, so a broken set-up fails here and not as errors in the load.
  const probe = await requestJson(`${first.url}/v1/search`, {
    body: { query: queries[0].text, limit: searchLimit },
    token: apiKey,
  });
  if (probe.items.length === 0) {
    throw new Error(`The probe search for "${queries[0].text}" found nothing.`);
  }

  const second = await startServer(1);
  const bare = await startBareExpress(children);
  undo.push(() => stopChild(bare.child));
  log(`The bare Express server listens on ${bare.url} (pid ${bare.pid}).`);

  const cpuGroups = async (childPid) => {
    const postgres = await postgresProcesses(monitor, database.name);
    return {
      'mem0-server': servers.map((server) => server.pid),
      'bare Express': [bare.pid],
      'load generator': [childPid],
      'PostgreSQL backends': postgres.backends,
      'PostgreSQL background': postgres.background,
      'benchmark runner': [process.pid],
    };
  };

  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const searchBody = {
    kind: 'search',
    queries: queries.map((query) => query.text),
    limit: searchLimit,
  };
  const runId = randomBytes(3).toString('hex');
  const addBody = (label) => ({
    kind: 'add',
    texts: addTexts,
    label: `${runId}-${label}`,
    context: 'load-test',
    tags: ['load-test'],
  });
  const split = (targets, connections) =>
    targets.map((target) => ({ url: target.url, connections: connections / targets.length }));
  const load32 = (name, job) =>
    phase(name, () =>
      runHttpLoad(
        {
          warmupSeconds: settings.warmupSeconds,
          durationSeconds: settings.durationSeconds,
          ...job,
        },
        cpuGroups,
        children,
      ),
    );

  const http = {};
  http.bare = await load32('bare Express GET /', {
    targets: split([bare], settings.connections),
    method: 'GET',
    path: '/',
  });
  http.health = await load32('mem0-server GET /healthz', {
    targets: split([first], settings.connections),
    method: 'GET',
    path: '/healthz',
  });
  http.searchOne = await load32('search, 1 process', {
    targets: split([first], settings.connections),
    method: 'POST',
    path: '/v1/search',
    headers,
    body: searchBody,
  });
  http.searchSingleConnection = await load32('search, 1 process, 1 connection', {
    targets: split([first], 1),
    method: 'POST',
    path: '/v1/search',
    headers,
    body: searchBody,
  });
  http.searchTwo = await load32('search, 2 processes', {
    targets: split([first, second], settings.connections),
    method: 'POST',
    path: '/v1/search',
    headers,
    body: searchBody,
  });

  const sql = await phase('search SQL without the server', () =>
    runSearchSql(
      {
        databaseUrl: database.url,
        userId,
        apiKey,
        queries,
        limit: searchLimit,
        passes: settings.sqlPasses,
        authCalls: settings.authCalls,
        connections: settings.connections,
        warmupSeconds: settings.warmupSeconds,
        durationSeconds: settings.durationSeconds,
      },
      cpuGroups,
      children,
    ),
  );
  const capturedFile = path.join(dataDir, 'server-search-sql.json');
  writeFileSync(capturedFile, `${JSON.stringify(sql.captured, null, 2)}\n`);
  delete sql.captured;

  // Adds last: they change the data that the searches above ran on.
  http.addOne = await load32('add, 1 process', {
    targets: split([first], settings.connections),
    method: 'POST',
    path: '/v1/memories',
    headers,
    body: addBody('one'),
  });
  http.addTwo = await load32('add, 2 processes', {
    targets: split([first, second], settings.connections),
    method: 'POST',
    path: '/v1/memories',
    headers,
    body: addBody('two'),
  });

  const machine = {
    ...describeMachine(),
    postgres: versionRows[0].server_version,
    postgresSharedBuffers: bufferRows[0].shared_buffers,
    pgDriver: packageVersion('pg'),
    express: packageVersion('express'),
    autocannon: http.bare.autocannon,
  };
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: quick ? 'node bench/server.mjs --quick' : 'pnpm bench:server',
    settings: { ...settings, searchLimit, searchCategories },
    machine,
    staleBuilds,
    server: {
      processes: 'node apps/api/dist/bin.js (mem0-server), team mode',
      logLevel: 'info',
      databasePoolConnections: serverPoolConnections,
      rateLimits: unlimitedRateLimits,
      credential: 'API key with write scope',
    },
    dataSet,
    migrations,
    load,
    queries: {
      count: queries.length,
      categories: countBy(queries, (query) => query.category),
    },
    http,
    sql,
    outsideLoadAtStart: round(outsideLoadAtStart, 2),
    phases,
  };
  results.targets = evaluateTargets(results);

  await cleanUp();
  log(`Dropped database ${database.name} and stopped the servers.`);

  results.totalSeconds = round((performance.now() - runStart) / 1000, 1);
  results.loadAverageAtEnd = os.loadavg().map((value) => round(value, 2));
  results.buildChangedDuringRun = newestServerBuildMtime() !== buildMtimeAtStart;
  if (results.buildChangedDuringRun) {
    log('WARNING: the built code changed during the run, so the figures mix two builds.');
  }

  const resultsFile = path.join(dataDir, 'server-results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  let report = '';
  printServerReport(results, { write: (text) => (report += text) });
  process.stdout.write(report);
  const reportFile = path.join(dataDir, 'server-report.txt');
  writeFileSync(reportFile, report);
  log(
    `Wrote ${path.relative(repoRoot, resultsFile)}, ${path.relative(repoRoot, reportFile)} and the captured SQL in ${path.relative(repoRoot, capturedFile)}.`,
  );
}

function countBy(items, key) {
  const counts = {};
  for (const item of items) {
    counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  }
  return counts;
}

main()
  .catch((error) => {
    // After a signal, the clean-up stops the children, which fails the step in progress.
    if (stoppedBy === undefined) {
      log(`Benchmark failed: ${error.stack ?? error}`);
    }
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
