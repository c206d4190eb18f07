// The search without the HTTP server. Captures the SQL that PostgresStore.search sends for each
// benchmark query, then times that SQL through pg alone, one at a time and from many
// connections at once. Also times the store's search in-process and the authentication of an
// API key. Reads one JSON job on stdin (see runSearchSql in bench/lib/http-load.mjs) and writes
// JSON lines on stdout like children/http-load.mjs (see bench/lib/child-channel.mjs).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { openParentChannel } from '../lib/child-channel.mjs';
import { summarizeLatencies } from '../lib/latency.mjs';
import { seededRandom, shuffled } from '../lib/stats.mjs';
import { loadTeamModules } from '../lib/team-modules.mjs';

const parent = openParentChannel();
const job = await parent.job();
const { core, postgres, auth, pg } = loadTeamModules();

// The statistics query runs once per 30 seconds per process, not once per search.
const statisticsQueryStart = 'SELECT count(*) AS memories';

/**
 * Record every statement the store sends through the pool while `capture` is an array. The
 * store calls `pool.query(text, values)`.
 */
function recordStatements(pool) {
  const query = pool.query.bind(pool);
  const recorder = { capture: undefined };
  pool.query = (text, values) => {
    if (recorder.capture && !String(text).startsWith(statisticsQueryStart)) {
      recorder.capture.push({ text, values });
    }
    return query(text, values);
  };
  return recorder;
}

async function timed(work) {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

/** Milliseconds of CPU time (user and system, all threads) that this process has used. */
function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function runStatements(pool, statements) {
  for (const statement of statements) {
    await pool.query(statement.text, statement.values);
  }
}

const database = new postgres.PostgresDatabase(job.databaseUrl);
const rawPool = new pg.Pool({ connectionString: job.databaseUrl, max: job.connections });
try {
  const store = database.storeFor(job.userId);
  const recorder = recordStatements(database.pool);
  const search = (text) => core.searchMemories(store, { query: text, limit: job.limit });

  // Warm-up: every query once, which also loads the search statistics.
  for (const query of job.queries) {
    await search(query.text);
  }

  // The exact statements, with their parameters, of each query's search.
  const captured = [];
  for (const query of job.queries) {
    recorder.capture = [];
    const page = await search(query.text);
    captured.push({ ...query, hits: page.items.length, statements: recorder.capture });
  }
  recorder.capture = undefined;

  // One search at a time, interleaving the store's search and the replay of its SQL.
  const storeMs = [];
  const jsonMs = [];
  const snippetMs = [];
  const rawMs = [];
  const cpu = { store: 0, raw: 0 };
  const planMs = [];
  const finalMs = [];
  const byCategory = {};
  const random = seededRandom(5);
  for (let pass = 0; pass < job.passes; pass++) {
    for (const index of shuffled(
      captured.map((_, position) => position),
      random,
    )) {
      const query = captured[index];
      let cpuStart = cpuMs();
      const storeRun = await timed(() => search(query.text));
      cpu.store += cpuMs() - cpuStart;
      storeMs.push(storeRun.ms);

      const jsonStart = performance.now();
      JSON.stringify(storeRun.result);
      jsonMs.push(performance.now() - jsonStart);

      // The snippets of the page again, as the store builds them for the hits it returns.
      const parsed = core.parseQuery(query.text);
      const snippetStart = performance.now();
      for (const hit of storeRun.result.items) {
        core.buildSnippet(hit.content, parsed);
      }
      snippetMs.push(performance.now() - snippetStart);

      let total = 0;
      cpuStart = cpuMs();
      for (const [position, statement] of query.statements.entries()) {
        const { ms } = await timed(() => rawPool.query(statement.text, statement.values));
        total += ms;
        (position === query.statements.length - 1 ? finalMs : planMs).push(ms);
      }
      cpu.raw += cpuMs() - cpuStart;
      rawMs.push(total);
      byCategory[query.category] ??= { store: [], raw: [] };
      byCategory[query.category].store.push(storeRun.ms);
      byCategory[query.category].raw.push(total);
    }
  }

  // PostgreSQL's own split of each statement's time into planning and execution. pg sends
  // every statement unnamed, so PostgreSQL plans it again on each call.
  const planning = [];
  const execution = [];
  const searchPlanning = [];
  const searchExecution = [];
  for (const query of captured) {
    let planned = 0;
    let executed = 0;
    for (const [position, statement] of query.statements.entries()) {
      const { rows } = await rawPool.query(
        `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ${statement.text}`,
        statement.values,
      );
      const plan = rows[0]['QUERY PLAN'][0];
      planned += plan['Planning Time'];
      executed += plan['Execution Time'];
      if (position === query.statements.length - 1) {
        searchPlanning.push(plan['Planning Time']);
        searchExecution.push(plan['Execution Time']);
      }
    }
    planning.push(planned);
    execution.push(executed);
  }

  // How much of the search statement is finding the rows it ranks: the same tsquery, owner and
  // expiry conditions, counting the rows instead of scoring them and reading the page.
  const matchMs = [];
  const matchedRows = [];
  const rankedMs = [];
  for (const query of captured) {
    const statement = query.statements.at(-1);
    const tsquery = /m\.search_vector @@ \$(\d+)::tsquery/.exec(statement?.text ?? '');
    if (!statement?.text.startsWith('WITH hits') || tsquery === null) {
      continue;
    }
    const match = await timed(() =>
      rawPool.query(
        `SELECT count(*)::int AS rows FROM memories m JOIN contexts c ON c.id = m.context_id
         WHERE m.search_vector @@ $1::tsquery AND c.owner_id = $2
           AND (m.expires_at IS NULL OR m.expires_at > $3::timestamptz)`,
        [statement.values[Number(tsquery[1]) - 1], job.userId, new Date().toISOString()],
      ),
    );
    matchMs.push(match.ms);
    matchedRows.push(match.result.rows[0].rows);
    rankedMs.push((await timed(() => rawPool.query(statement.text, statement.values))).ms);
  }

  // Authentication of the API key, as the server does it for every request.
  const service = new auth.AuthService(new postgres.PostgresAccountRepository(database.pool), {
    // A throwaway signing secret: API keys are checked by hash and never use it.
    accessTokens: {
      algorithm: 'HS256',
      secret: randomBytes(48).toString('base64'),
      issuer: 'mem0-server',
      audience: 'mem0-api',
      lifetimeSeconds: 900,
    },
    registration: 'closed',
  });
  for (let call = 0; call < 20; call++) {
    await service.authenticate(job.apiKey);
  }
  const authMs = [];
  const authCpuStart = cpuMs();
  for (let call = 0; call < job.authCalls; call++) {
    authMs.push((await timed(() => service.authenticate(job.apiKey))).ms);
  }
  const authCpuMs = (cpuMs() - authCpuStart) / job.authCalls;

  // The captured SQL from `connections` concurrent workers, each running the statements of
  // one search after another, as the store does, for a fixed time.
  const runConcurrent = async (seconds) => {
    const latencies = [];
    let next = 0;
    const deadline = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const query = captured[next++ % captured.length];
        const { ms } = await timed(() => runStatements(rawPool, query.statements));
        latencies.push(ms);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: job.connections }, worker));
    return { latencies, seconds: (performance.now() - start) / 1000 };
  };
  await runConcurrent(job.warmupSeconds);
  await parent.mark('measure-start');
  const concurrent = await runConcurrent(job.durationSeconds);
  await parent.mark('measure-end');

  const statementCounts = captured.map((query) => query.statements.length);
  parent.emit({
    event: 'result',
    queries: captured.length,
    passes: job.passes,
    statementsPerSearch: {
      min: Math.min(...statementCounts),
      mean: statementCounts.reduce((sum, count) => sum + count, 0) / statementCounts.length,
      max: Math.max(...statementCounts),
    },
    sequential: {
      store: summarizeLatencies(storeMs),
      json: summarizeLatencies(jsonMs),
      snippets: summarizeLatencies(snippetMs),
      // Mean CPU time of this process per search: the store's JavaScript and the pg driver,
      // and the driver alone for the replayed statements.
      storeCpuMs: cpu.store / storeMs.length,
      rawCpuMs: cpu.raw / rawMs.length,
      raw: summarizeLatencies(rawMs),
      planStatements: summarizeLatencies(planMs),
      searchStatement: summarizeLatencies(finalMs),
      byCategory: Object.entries(byCategory).map(([category, values]) => ({
        category,
        store: summarizeLatencies(values.store),
        raw: summarizeLatencies(values.raw),
      })),
    },
    authentication: { ...summarizeLatencies(authMs), cpuMs: authCpuMs },
    matching: {
      searches: matchMs.length,
      count: summarizeLatencies(matchMs),
      searchStatement: summarizeLatencies(rankedMs),
      rows: summarizeLatencies(matchedRows),
    },
    explain: {
      planning: summarizeLatencies(planning),
      execution: summarizeLatencies(execution),
      searchStatementPlanning: summarizeLatencies(searchPlanning),
      searchStatementExecution: summarizeLatencies(searchExecution),
    },
    concurrent: {
      connections: job.connections,
      seconds: concurrent.seconds,
      searches: concurrent.latencies.length,
      searchesPerSecond: concurrent.latencies.length / concurrent.seconds,
      latency: summarizeLatencies(concurrent.latencies),
    },
    captured: captured.map((query) => ({
      category: query.category,
      text: query.text,
      hits: query.hits,
      statements: query.statements,
    })),
  });
} finally {
  await rawPool.end();
  await database.close();
}
