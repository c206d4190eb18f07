#!/usr/bin/env node
// Whole-process wall time of `mem0 search` against a team server, next to the same search on
// the local SQLite store and `node -e ""`, with the same memories in both stores. Run
// `pnpm build`, then `pnpm bench:cli` (or `node bench/cli-remote.mjs --quick` for the 10,000
// set and fewer rounds). Writes bench/.data/cli-results.json, the printed report in
// bench/.data/cli-report.txt and the server's log in bench/.data/cli-server.log.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL, URL } from 'node:url';

import { printCliRemoteReport } from './lib/cli-remote-report.mjs';
import { buildSets, ensureFortunes, readCorpus, writeJsonLines } from './lib/corpus.mjs';
import { importWithCli } from './lib/importing.mjs';
import { describeMachine, readCpuTicks } from './lib/machine.mjs';
import { benchDir, cliBin, dataDir, repoRoot } from './lib/paths.mjs';
import {
  adminUrl,
  bulkLoad,
  countOutOfOrder,
  createDatabase,
  vacuumAnalyze,
} from './lib/postgres-data.mjs';
import { measureOutsideLoad, postgresProcesses, readProcessTicks } from './lib/process-cpu.mjs';
import { measureProcesses } from './lib/processes.mjs';
import {
  requestJson,
  startMem0Server,
  stopChild,
  unlimitedRateLimits,
} from './lib/server-processes.mjs';
import { round, summarize } from './lib/stats.mjs';
import {
  findStaleServerBuilds,
  loadTeamModules,
  newestServerBuildMtime,
  packageVersion,
  requiredBuilds,
} from './lib/team-modules.mjs';

const quick = process.argv.includes('--quick');
const settings = quick
  ? { records: 10_000, rounds: 10, warmup: 2, timedRuns: 5, roundTrips: 20 }
  : { records: 100_000, rounds: 30, warmup: 3, timedRuns: 10, roundTrips: 50 };
const query = 'computer science';
const searchRequestScript = path.join(benchDir, 'children/search-request.mjs');

const runStart = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - runStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
};

/** Child processes still running; `cleanUp` stops them. */
const children = new Set();
/** Work that undoes what the run set up (stop the server, drop the database, remove temp files). */
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

// NOTE: the wall-time phase runs its commands with spawnSync, which blocks the event loop, so a
// signal that arrives during that phase is handled when the phase ends.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stoppedBy = signal;
    log(`${signal} received: stopping the server, dropping the database, removing temp files.`);
    cleanUp().finally(() => process.exit(130));
  });
}

/**
 * Return this process's environment without any mem0 setting (MEM0_HOME, MEM0_SERVER,
 * MEM0_PROFILE and the others), plus `settings` and NO_COLOR, so the user's own profile or
 * server cannot change what a `mem0` child process measures.
 */
function cliEnvironment(settings) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('MEM0_')),
  );
  return { ...env, NO_COLOR: '1', ...settings };
}

async function main() {
  for (const file of [cliBin, ...requiredBuilds]) {
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
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'mem0-bench-cli-'));
  undo.push(() => rmSync(tempDir, { recursive: true, force: true }));

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

  // The data set, as bench/run.mjs builds it: the 100k set, or the 10k set with --quick.
  ensureFortunes(log);
  const corpus = readCorpus();
  const sets = buildSets(corpus, core.normalizeContent, {
    smallSize: 10_000,
    largeSize: Math.max(settings.records, 10_000),
  });
  const records = settings.records === 10_000 ? sets.small : sets.large;
  const setFile = path.join(tempDir, `set-${settings.records / 1000}k.jsonl`);
  const lines = writeJsonLines(setFile, records);
  const dataSet = {
    name: settings.records === 10_000 ? '10k' : '100k',
    records: lines.length,
    meanContentChars: Math.round(
      records.reduce((sum, record) => sum + record.content.length, 0) / lines.length,
    ),
  };
  log(`Data set: ${lines.length.toLocaleString('en-US')} records.`);

  log('Measuring the load of other processes for 3 s before starting…');
  const outsideLoadAtStart = await measureOutsideLoad(3_000);
  log(`Other processes used ${outsideLoadAtStart?.toFixed(2)} cores.`);

  // The local store, imported by `mem0 import` into a temporary MEM0_HOME.
  const localHome = path.join(tempDir, 'local-home');
  const localImport = await phase('local import', () => importWithCli(setFile, localHome));
  if (localImport.added !== lines.length) {
    throw new Error(
      `mem0 import added ${localImport.added} of ${lines.length} records (${localImport.duplicate} duplicates, ${localImport.rejected} rejected).`,
    );
  }

  // The team server: a new database, the migrations, one server process, an account and a key.
  const database = await createDatabase(pg);
  undo.push(() => database.drop());
  log(`Created database ${database.name} on ${new URL(adminUrl).host}.`);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  undo.push(() => pool.end());
  const { rows: versionRows } = await pool.query('SHOW server_version');
  const migrator = new modules.postgres.PostgresDatabase(database.url, { maxConnections: 1 });
  await migrator.migrate().finally(() => migrator.close());

  const serverLog = path.join(dataDir, 'cli-server.log');
  const server = await startMem0Server(
    {
      databaseUrl: database.url,
      jwtSecret: randomBytes(48).toString('base64'),
      logFile: serverLog,
    },
    children,
  );
  undo.push(() => stopChild(server.child));
  log(`mem0-server listens on ${server.url} (pid ${server.pid}).`);

  const session = await requestJson(`${server.url}/v1/auth/register`, {
    body: {
      email: `bench-${randomBytes(4).toString('hex')}@example.com`,
      password: randomBytes(18).toString('base64url'),
    },
  });
  const created = await requestJson(`${server.url}/v1/api-keys`, {
    body: { name: 'cli-benchmark', scope: 'write' },
    token: session.accessToken,
  });
  const apiKey = created.key;

  const load = await phase('server load', async () => {
    const loaded = await bulkLoad(modules, pool, session.user.id, lines, log);
    await vacuumAnalyze(pool);
    const outOfOrder = await countOutOfOrder(pool);
    const { rows } = await pool.query('SELECT count(*)::int AS memories FROM memories');
    if (rows[0].memories !== lines.length || outOfOrder > 0) {
      throw new Error(
        `The bulk load failed: the database contains ${rows[0].memories} memories, ${outOfOrder} of them out of line order; expected ${lines.length} in line order.`,
      );
    }
    return { memories: rows[0].memories, loadSeconds: round(loaded.seconds, 1) };
  });

  // The environments of the three `mem0 search` processes.
  const localEnv = cliEnvironment({ MEM0_HOME: localHome });
  const environmentEnv = cliEnvironment({
    MEM0_HOME: path.join(tempDir, 'empty-home'),
    MEM0_SERVER: server.url,
    MEM0_API_KEY: apiKey,
  });
  const profileHome = path.join(tempDir, 'profile-home');
  const profileEnv = cliEnvironment({ MEM0_HOME: profileHome });
  const profileLogin = loginWithToken(server.url, apiKey, profileEnv);
  log(
    profileLogin.ok
      ? `mem0 login --with-token --insecure-storage created profile "${profileLogin.profile}" in ${profileLogin.seconds} s.`
      : `mem0 login --with-token failed, so the profile row is left out: ${profileLogin.error}`,
  );

  const agreement = compareSearchOutput(localEnv, environmentEnv);
  log(
    `mem0 search --json "${query}": ${agreement.localHits} local hits, ${agreement.remoteHits} remote hits, ${agreement.sameContents} with the same content at the same rank.`,
  );

  // Whole-process wall time, interleaved.
  const searchArgs = [cliBin, 'search', query];
  const fetchEnv = { ...process.env, BENCH_SERVER_URL: server.url, BENCH_API_KEY: apiKey };
  const commands = [
    { name: 'node -e ""', args: ['-e', ''] },
    { name: `mem0 search "${query}", local store`, args: searchArgs, env: localEnv },
    {
      name: `mem0 search "${query}", MEM0_SERVER + MEM0_API_KEY`,
      args: searchArgs,
      env: environmentEnv,
    },
  ];
  if (profileLogin.ok) {
    commands.push({
      name: `mem0 search "${query}", profile with key in credentials.json`,
      args: searchArgs,
      env: profileEnv,
    });
  }
  // Diagnostic rows: the remote search with V8's optimizing WebAssembly compiler off, and the
  // same request from a bare Node process through fetch and through node:http.
  commands.push(
    {
      name: `mem0 search "${query}", MEM0_SERVER + MEM0_API_KEY, node --liftoff-only`,
      args: ['--liftoff-only', ...searchArgs],
      env: environmentEnv,
    },
    {
      name: 'node + one fetch of the search',
      args: [searchRequestScript, 'fetch', query],
      env: fetchEnv,
      parseOutput: true,
    },
    {
      name: 'node + one node:http request of the search',
      args: [searchRequestScript, 'http', query],
      env: fetchEnv,
      parseOutput: true,
    },
  );

  const cpuBefore = await cpuSnapshot(pool, database.name, server.pid);
  const processes = await phase('process wall time', () =>
    measureProcesses(commands, { rounds: settings.rounds, warmup: settings.warmup }),
  );
  const cpu = cpuBetweenSnapshots(cpuBefore, await cpuSnapshot(pool, database.name, server.pid));
  for (const entry of processes) {
    if (entry.failure) {
      log(`${entry.name} failed: ${JSON.stringify(entry.failure)}`);
    }
    // The child output of a request row becomes medians, not one object per run.
    if (entry.outputs.length > 0) {
      entry.requestMs = round(summarize(entry.outputs.map((output) => output.requestMs[0])).p50, 1);
      entry.bootMs = round(summarize(entry.outputs.map((output) => output.bootMs)).p50, 1);
    }
    delete entry.outputs;
  }

  // Where the time of a remote `mem0 search` goes.
  const breakdown = await phase('time split', () => ({
    cli: timeCliRuns(searchArgs, environmentEnv, tempDir, settings.timedRuns),
    freshFetch: timeFreshFetches(fetchEnv, settings.timedRuns),
  }));
  const roundTrip = await phase('in-process round trip', () =>
    measureRoundTrip(server.url, apiKey, settings.roundTrips),
  );
  const serverSide = readServerTimes(serverLog);

  const machine = {
    ...describeMachine(),
    postgres: versionRows[0].server_version,
    pgDriver: packageVersion('pg'),
  };
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: quick ? 'node bench/cli-remote.mjs --quick' : 'pnpm bench:cli',
    settings: { ...settings, query },
    machine,
    staleBuilds,
    dataSet,
    localImport: {
      seconds: round(localImport.ms / 1000, 1),
      added: localImport.added,
      rejected: localImport.rejected,
      duplicate: localImport.duplicate,
    },
    server: {
      processes: 1,
      url: server.url,
      logLevel: 'info',
      rateLimits: unlimitedRateLimits,
      credential: 'API key with write scope',
      database: database.name,
      ...load,
    },
    profileLogin,
    agreement,
    processes,
    breakdown,
    roundTrip,
    serverSide,
    cpu,
    outsideLoadAtStart: outsideLoadAtStart === null ? null : round(outsideLoadAtStart, 2),
    phases,
  };

  await cleanUp();
  log(`Dropped database ${database.name}, stopped the server and removed ${tempDir}.`);

  results.totalSeconds = round((performance.now() - runStart) / 1000, 1);
  results.loadAverageAtEnd = os.loadavg().map((value) => round(value, 2));
  results.buildChangedDuringRun = newestServerBuildMtime() !== buildMtimeAtStart;
  if (results.buildChangedDuringRun) {
    log('WARNING: the built code changed during the run, so the figures mix two builds.');
  }

  const resultsFile = path.join(dataDir, 'cli-results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  let report = '';
  printCliRemoteReport(results, { write: (text) => (report += text) });
  process.stdout.write(report);
  const reportFile = path.join(dataDir, 'cli-report.txt');
  writeFileSync(reportFile, report);
  log(`Wrote ${path.relative(repoRoot, resultsFile)} and ${path.relative(repoRoot, reportFile)}.`);
}

/**
 * Run `mem0 login URL --with-token --insecure-storage` with the API key on stdin, which stores
 * the key in `credentials.json` under MEM0_HOME and makes the new profile active. Returns
 * whether it worked, the profile's name, and the error output when it failed.
 */
function loginWithToken(url, apiKey, env) {
  const start = performance.now();
  const child = spawnSync(
    process.execPath,
    [cliBin, 'login', url, '--with-token', '--insecure-storage'],
    { env, input: `${apiKey}\n`, encoding: 'utf8', timeout: 20_000 },
  );
  const seconds = round((performance.now() - start) / 1000, 2);
  if (child.error || child.status !== 0) {
    return {
      ok: false,
      seconds,
      error: child.error?.message ?? `exit status ${child.status}: ${child.stderr.trim()}`,
    };
  }
  const config = JSON.parse(readFileSync(path.join(env.MEM0_HOME, 'config.json'), 'utf8'));
  return { ok: true, seconds, profile: config.activeProfile };
}

/** Run `mem0 search --json` on both stores once and count the hits with the same content. */
function compareSearchOutput(localEnv, remoteEnv) {
  const run = (env) => {
    const child = spawnSync(process.execPath, [cliBin, 'search', query, '--json'], {
      env,
      encoding: 'utf8',
    });
    if (child.status !== 0) {
      throw new Error(`mem0 search --json failed (${child.status}): ${child.stderr.trim()}`);
    }
    return JSON.parse(child.stdout);
  };
  const local = run(localEnv);
  const remote = run(remoteEnv);
  const content = (hit) => hit.memory?.content ?? hit.content;
  return {
    localHits: local.length,
    remoteHits: remote.length,
    sameContents: local.filter((hit, index) => content(hit) === content(remote[index] ?? {}))
      .length,
  };
}

/**
 * Run the remote `mem0 search` `runs` times with bench/children/fetch-timing.mjs preloaded.
 * Returns the medians of the marks it records (see that file) and of the wall time around
 * spawnSync.
 */
function timeCliRuns(args, env, tempDir, runs) {
  const timingFile = path.join(tempDir, 'timing.json');
  const preload = path.join(benchDir, 'children/fetch-timing.mjs');
  const marks = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, ...args], {
      env: { ...env, BENCH_TIMING_FILE: timingFile },
      encoding: 'utf8',
    });
    const wallMs = performance.now() - start;
    if (child.status !== 0) {
      throw new Error(`The timed mem0 search failed (${child.status}): ${child.stderr.trim()}`);
    }
    const timing = JSON.parse(readFileSync(timingFile, 'utf8'));
    marks.push({
      wallMs,
      preloadMs: timing.preloadMs,
      firstFetchMs: timing.fetches[0].startMs,
      headersMs: timing.fetches[0].headersMs,
      lastWriteMs: timing.lastWriteMs,
      exitMs: timing.exitMs,
      fetches: timing.fetches.length,
    });
  }
  const median = (key) => round(summarize(marks.map((mark) => mark[key])).p50, 1);
  return {
    runs,
    fetchesPerRun: [...new Set(marks.map((mark) => mark.fetches))],
    wallMs: median('wallMs'),
    preloadMs: median('preloadMs'),
    firstFetchMs: median('firstFetchMs'),
    headersMs: median('headersMs'),
    lastWriteMs: median('lastWriteMs'),
    exitMs: median('exitMs'),
  };
}

/**
 * Run bench/children/search-request.mjs with fetch `runs` times with two searches each, and return the
 * medians of the first search of a new process (which loads fetch and opens the connection) and
 * the second one on the same connection.
 */
function timeFreshFetches(env, runs) {
  const outputs = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(process.execPath, [searchRequestScript, 'fetch', query, '2'], {
      env,
      encoding: 'utf8',
    });
    if (child.status !== 0) {
      throw new Error(`search-request.mjs failed (${child.status}): ${child.stderr.trim()}`);
    }
    outputs.push(JSON.parse(child.stdout));
  }
  return {
    runs,
    firstFetchMs: round(summarize(outputs.map((output) => output.requestMs[0])).p50, 1),
    secondFetchMs: round(summarize(outputs.map((output) => output.requestMs[1])).p50, 1),
  };
}

/** Send the search `count` times from this process on one keep-alive connection, after 5 unmeasured. */
async function measureRoundTrip(url, apiKey, count) {
  const send = async () => {
    const start = performance.now();
    const response = await globalThis.fetch(`${url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    await response.arrayBuffer();
    if (!response.ok) {
      throw new Error(`POST /v1/search failed with status ${response.status}.`);
    }
    return performance.now() - start;
  };
  for (let index = 0; index < 5; index++) {
    await send();
  }
  const times = [];
  for (let index = 0; index < count; index++) {
    times.push(await send());
  }
  const summary = summarize(times);
  return {
    count,
    medianMs: round(summary.p50, 2),
    p90Ms: round(summary.p90, 2),
    minMs: round(summary.min, 2),
  };
}

/**
 * Read the server's own time per request (`responseTime` of its "request completed" log lines,
 * in whole milliseconds) for POST /v1/search, and count the requests by route.
 */
function readServerTimes(logFile) {
  const requests = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"'))
    .map((line) => JSON.parse(line));
  const routes = {};
  for (const request of requests) {
    const route = `${request.req.method} ${request.req.path}`;
    routes[route] = (routes[route] ?? 0) + 1;
  }
  const searches = requests
    .filter((request) => request.req.path === '/v1/search')
    .map((request) => request.responseTime);
  const summary = summarize(searches);
  return {
    routes,
    searchRequests: searches.length,
    searchMedianMs: summary.p50,
    searchP90Ms: summary.p90,
  };
}

/**
 * Read the CPU ticks of the machine, of this process with its waited-for children (the timed
 * commands), of the server and of PostgreSQL, to tell the run's own CPU from outside load.
 */
async function cpuSnapshot(pool, databaseName, serverPid) {
  const postgres = await postgresProcesses(pool, databaseName);
  const pids = [...postgres.backends, ...postgres.background];
  return {
    at: performance.now(),
    ticks: readCpuTicks(),
    server: readProcessTicks(serverPid),
    postgres: Object.fromEntries(pids.map((pid) => [pid, readProcessTicks(pid)])),
  };
}

/** Mean cores used between two snapshots by the benchmark's processes and by all others. */
function cpuBetweenSnapshots(before, after) {
  const seconds = (after.at - before.at) / 1000;
  if (!before.ticks || !after.ticks) {
    return null;
  }
  let postgresTicks = 0;
  for (const [pid, end] of Object.entries(after.postgres)) {
    if (end !== undefined) {
      postgresTicks += end - (before.postgres[pid] ?? 0);
    }
  }
  const ownTicks = after.ticks.own - before.ticks.own;
  const serverTicks = after.server - before.server;
  const machineTicks = after.ticks.machine - before.ticks.machine;
  const cores = (ticks) => round(ticks / 100 / seconds, 2);
  return {
    seconds: round(seconds, 1),
    runnerAndCommands: cores(ownTicks),
    server: cores(serverTicks),
    postgres: cores(postgresTicks),
    machine: cores(machineTicks),
    other: cores(Math.max(0, machineTicks - ownTicks - serverTicks - postgresTicks)),
  };
}

main()
  .catch((error) => {
    if (stoppedBy === undefined) {
      log(`Benchmark failed: ${error.stack ?? error}`);
    }
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
