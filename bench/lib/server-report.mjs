// The targets and the plain-text report of the team server benchmark (bench/server.mjs).

const number = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });

/** Format rows as a left-aligned text table with a header line. */
function table(header, rows) {
  const widths = header.map((cell, column) =>
    Math.max(String(cell).length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, column) => String(cell).padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

/** The HTTP runs in report order, with their labels. */
const httpRuns = [
  ['bare', 'bare Express GET /', 1],
  ['health', 'mem0-server GET /healthz', 1],
  ['searchOne', 'search', 1],
  ['searchSingleConnection', 'search', 1],
  ['searchTwo', 'search', 2],
  ['addOne', 'add', 1],
  ['addTwo', 'add', 2],
];

const cpuColumns = [
  'mem0-server',
  'bare Express',
  'load generator',
  'PostgreSQL backends',
  'PostgreSQL background',
  'benchmark runner',
];

/**
 * Compute what the server adds to the search's SQL at the median, under the benchmark's
 * concurrency and one request at a time.
 */
export function serverOverhead(results) {
  const { http, sql } = results;
  return {
    loaded: http.searchOne.latencyMs.p50 - sql.concurrent.latency.p50,
    sequential: http.searchSingleConnection.latencyMs.p50 - sql.sequential.raw.p50,
  };
}

/**
 * Split the CPU time that one search request costs. The server process and PostgreSQL come
 * from /proc during the HTTP run at full concurrency, and the parts of the server's share from
 * the in-process measurements, one search at a time. The remainder is what the server spends
 * beyond the measured parts. The capacity estimate divides the machine's cores by the CPU time
 * of one request in all processes.
 */
export function searchCpuSplit(results) {
  const { http, sql, machine } = results;
  const perRequest = (run, group) => (run.cpu.cores[group] * 1000) / run.requestsPerSecond;
  const server = perRequest(http.searchOne, 'mem0-server');
  const postgres = perRequest(http.searchOne, 'PostgreSQL backends');
  const loadGenerator = perRequest(http.searchOne, 'load generator');
  const store = sql.sequential.storeCpuMs;
  const authentication = sql.authentication.cpuMs;
  const json = sql.sequential.json.mean;
  const health = perRequest(http.health, 'mem0-server');
  return {
    server,
    store,
    snippets: sql.sequential.snippets.mean,
    authentication,
    json,
    health,
    remainder: server - store - authentication - json - health,
    postgres,
    rawSqlPostgres:
      (sql.cpu.cores['PostgreSQL backends'] * 1000) / sql.concurrent.searchesPerSecond,
    loadGenerator,
    capacity: (machine.cores * 1000) / (server + postgres + loadGenerator),
  };
}

/** List each figure that has a target, with its value and whether the target was met. */
export function evaluateTargets(results) {
  const { http, settings } = results;
  const overhead = serverOverhead(results);
  const connections = `${settings.connections} connections`;
  const throughput = (run, label) => ({
    figure: `Search throughput, ${label}, ${connections} (requests/s)`,
    value: Math.round(run.requestsPerSecond),
    digits: 0,
    target: '≥ 1,500',
    met: run.requestsPerSecond >= 1_500,
  });
  const tail = (run, label) => ({
    figure: `Search p99 latency, ${label}, ${connections} (ms)`,
    value: Math.round(run.latencyMs.p99 * 10) / 10,
    digits: 1,
    target: '≤ 50',
    met: run.latencyMs.p99 <= 50,
  });
  return [
    throughput(http.searchOne, 'one process'),
    tail(http.searchOne, 'one process'),
    throughput(http.searchTwo, 'two processes'),
    tail(http.searchTwo, 'two processes'),
    {
      figure: `Server p50 − raw SQL p50, ${connections} each (ms)`,
      value: Math.round(overhead.loaded * 100) / 100,
      digits: 2,
      target: '≤ 1',
      met: overhead.loaded <= 1,
    },
    {
      figure: 'Server p50 − raw SQL p50, one request at a time (ms)',
      value: Math.round(overhead.sequential * 100) / 100,
      digits: 2,
      target: '≤ 1',
      met: overhead.sequential <= 1,
    },
  ];
}

function httpRows(results) {
  return httpRuns.map(([key, label, processes]) => {
    const run = results.http[key];
    return [
      label,
      processes,
      run.connections,
      number(run.requestsPerSecond),
      number(run.latencyMs.p50, 2),
      number(run.latencyMs.p90, 2),
      number(run.latencyMs.p99, 2),
      number(run.latencyMs.max, 1),
      number(run.responses),
      number(run.errors + run.timeouts),
      number(run.non2xx),
    ];
  });
}

function cpuRows(results) {
  const rows = httpRuns.map(([key, label, processes]) => {
    const run = results.http[key];
    return [
      `${label}, ${processes} process${processes > 1 ? 'es' : ''}, ${run.connections} conn.`,
      run,
    ];
  });
  rows.push(['search SQL through pg.Pool, 32 workers', results.sql]);
  return rows.map(([label, run]) => {
    const cpu = run.cpu;
    const rate = run.requestsPerSecond ?? run.concurrent?.searchesPerSecond;
    const perRequest = (cores) => (rate > 0 ? (cores * 1000) / rate : null);
    return [
      label,
      ...cpuColumns.map((name) => number(cpu.cores[name], 2)),
      number(cpu.otherCores, 2),
      number(cpu.machineCores, 2),
      number(perRequest(cpu.cores['mem0-server'] + cpu.cores['bare Express']), 3),
      number(perRequest(cpu.cores['PostgreSQL backends']), 3),
    ];
  });
}

export function printServerReport(results, stream) {
  const out = (text = '') => stream.write(`${text}\n`);
  const { machine, settings, dataSet, load, http, sql } = results;
  const overhead = serverOverhead(results);

  out(`mem0 team server benchmark, ${results.mode} run, ${results.date} (${results.command})`);
  out();
  out(`Machine   ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory`);
  out(`          ${machine.os}`);
  out(
    `Software  Node ${machine.node}, PostgreSQL ${machine.postgres} (shared_buffers ${machine.postgresSharedBuffers}), pg ${machine.pgDriver}, Express ${machine.express}, autocannon ${machine.autocannon}, mem0 commit ${machine.commit ?? 'unknown'}${machine.uncommittedChanges ? ' with uncommitted changes' : ''}`,
  );
  out(
    `Load      other processes used ${number(results.outsideLoadAtStart, 2)} cores in the 3 s before the run; see the CPU table for each measured window`,
  );
  if (results.buildChangedDuringRun) {
    out('WARNING   the built code changed during the run: the figures mix two builds.');
  }
  if (results.staleBuilds.length > 0) {
    out(
      `WARNING   ${results.staleBuilds.join(', ')} changed after the last build: these figures are for older code.`,
    );
  }
  out(
    `Data      ${number(load.memoriesInDatabase)} memories of one user: ${number(dataSet.distinctEntries)} distinct fortune entries + ${number(dataSet.joinedPairs)} joined pairs, mean ${dataSet.meanContentChars} characters, ${number(dataSet.english)} English and ${number(dataSet.chinese)} Chinese; database ${number(load.databaseMiB)} MiB`,
  );
  out(
    `          loaded in bulk in ${number(load.seconds, 1)} s, VACUUM ANALYZE ${number(load.vacuumSeconds, 1)} s; ${number(load.comparison.sampled)} sampled lines imported by the store's importMemories (${number(load.comparison.storeImportSeconds, 1)} s) match the bulk-loaded rows in every field (${load.comparison.differing} differ)`,
  );
  out(
    `Queries   ${results.queries.count} queries, rotating: ${Object.entries(
      results.queries.categories,
    )
      .map(([category, count]) => `${count} ${category}`)
      .join(', ')}; limit ${settings.searchLimit}`,
  );
  out(
    `Server    mem0-server in team mode, LOG_LEVEL=${results.server.logLevel} (one JSON line per request, to a file), ${results.server.databasePoolConnections} database connections per process, rate limits ${Object.entries(
      results.server.rateLimits,
    )
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}, credential: ${results.server.credential}`,
  );
  out(
    `Load     autocannon ${machine.autocannon} on 127.0.0.1 in a child process, ${settings.connections} connections (split evenly over the processes), ${settings.warmupSeconds} s warm-up, ${settings.durationSeconds} s measured; latency of every response`,
  );
  out();

  out('HTTP, measured window');
  out(
    table(
      [
        'Run',
        'Processes',
        'Connections',
        'Requests/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'Responses',
        'Errors',
        'Non-2xx',
      ],
      httpRows(results),
    ),
  );
  for (const [key, label] of httpRuns) {
    const codes = Object.entries(http[key].statusCodes)
      .map(([code, count]) => `${code}: ${number(count)}`)
      .join(', ');
    if (http[key].non2xx > 0 || http[key].errors > 0) {
      out(
        `  ${label} (${key}) status codes ${codes}, errors ${http[key].errors}, timeouts ${http[key].timeouts}`,
      );
    }
  }
  out();

  out('CPU in each measured window, mean cores (2 = the whole machine), and CPU time per request');
  out(
    table(
      [
        'Run',
        ...cpuColumns,
        'other processes',
        'machine busy',
        'server ms/req',
        'PostgreSQL ms/req',
      ],
      cpuRows(results),
    ),
  );
  out();

  const sequential = sql.sequential;
  out(
    `Search without the HTTP server, one at a time: each of the ${sql.queries} queries ${sql.passes} times (${number(sequential.raw.count)} searches); ${number(sql.statementsPerSearch.mean, 2)} SQL statements per search (${sql.statementsPerSearch.min} to ${sql.statementsPerSearch.max})`,
  );
  const latencyRow = (label, summary) => [
    label,
    number(summary.count),
    number(summary.mean, 3),
    number(summary.p50, 3),
    number(summary.p90, 3),
    number(summary.p99, 3),
    number(summary.max, 2),
  ];
  out(
    table(
      ['Step', 'Samples', 'mean ms', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        latencyRow('raw SQL: the statements of one search, through pg', sequential.raw),
        latencyRow('  planning statements (term counts), each', sequential.planStatements),
        latencyRow('  search statement', sequential.searchStatement),
        latencyRow('store: core.searchMemories on PostgresStore', sequential.store),
        latencyRow('  snippets of the hits of one page (buildSnippet)', sequential.snippets),
        latencyRow('JSON.stringify of the result page', sequential.json),
        latencyRow('API key authentication (AuthService)', sql.authentication),
      ],
    ),
  );
  const explain = sql.explain;
  out(
    `PostgreSQL's timing (EXPLAIN ANALYZE, one pass over the queries): per search ${number(explain.planning.mean, 3)} ms planning and ${number(explain.execution.mean, 3)} ms execution (means; p50 ${number(explain.planning.p50, 3)} and ${number(explain.execution.p50, 3)}); the search statement alone ${number(explain.searchStatementPlanning.mean, 3)} ms planning and ${number(explain.searchStatementExecution.mean, 3)} ms execution`,
  );
  const matching = sql.matching;
  out(
    `Matching alone (${matching.searches} ranked searches): counting the rows a search statement ranks takes ${number(matching.count.mean, 3)} ms (mean) against ${number(matching.searchStatement.mean, 3)} ms for the statement itself; it ranks ${number(matching.rows.mean)} rows on average (p50 ${number(matching.rows.p50)}, max ${number(matching.rows.max)})`,
  );
  out();
  out('By query category, one at a time');
  out(
    table(
      ['Category', 'Samples', 'raw SQL p50 ms', 'raw SQL p99 ms', 'store p50 ms', 'store p99 ms'],
      sequential.byCategory.map((entry) => [
        entry.category,
        number(entry.raw.count),
        number(entry.raw.p50, 2),
        number(entry.raw.p99, 2),
        number(entry.store.p50, 2),
        number(entry.store.p99, 2),
      ]),
    ),
  );
  out();
  out(
    `Raw SQL from ${sql.concurrent.connections} concurrent workers through a pg.Pool of ${sql.concurrent.connections} connections: ${number(sql.concurrent.searchesPerSecond)} searches/s, p50 ${number(sql.concurrent.latency.p50, 2)} ms, p90 ${number(sql.concurrent.latency.p90, 2)} ms, p99 ${number(sql.concurrent.latency.p99, 2)} ms`,
  );
  out();

  const split = searchCpuSplit(results);
  out(
    `CPU time of one search request, in ms: the server and PostgreSQL from /proc during "search, 1 process, ${settings.connections} connections"; the parts of the server's share measured in-process one at a time`,
  );
  out(
    table(
      ['Part', 'CPU ms per search'],
      [
        ['mem0-server process, in all', number(split.server, 3)],
        [
          '  store search (core.searchMemories, its JavaScript and the pg driver)',
          number(split.store, 3),
        ],
        ['    of which snippets of the page (buildSnippet, wall time)', number(split.snippets, 3)],
        ['  API key authentication (hash, 2 queries)', number(split.authentication, 3)],
        ['  JSON.stringify of the page (wall time)', number(split.json, 3)],
        [
          '  HTTP, Express, helmet, pino-http log line: GET /healthz per request',
          number(split.health, 3),
        ],
        [
          '  remainder: body parsing, rate limiter, passport, validation, routing, GC under load',
          number(split.remainder, 3),
        ],
        ['PostgreSQL backends, through the server', number(split.postgres, 3)],
        ['PostgreSQL backends, raw SQL from 32 workers', number(split.rawSqlPostgres, 3)],
        ['load generator (autocannon)', number(split.loadGenerator, 3)],
        [
          `capacity estimate: ${machine.cores} cores ÷ CPU of one request in all three (requests/s)`,
          number(split.capacity),
        ],
      ],
    ),
  );
  out(
    `The store's JavaScript and driver CPU per search in-process is ${number(sequential.storeCpuMs, 3)} ms; replaying its SQL through pg costs this process ${number(sequential.rawCpuMs, 3)} ms.`,
  );
  out();

  out('Ratios');
  out(
    table(
      ['Figure', 'Value'],
      [
        [
          'search requests/s ÷ bare Express requests/s',
          number(http.searchOne.requestsPerSecond / http.bare.requestsPerSecond, 3),
        ],
        [
          'search requests/s ÷ raw SQL searches/s, both 32 concurrent',
          number(http.searchOne.requestsPerSecond / sql.concurrent.searchesPerSecond, 3),
        ],
        [
          `server overhead at p50: search p50 − raw SQL p50, ${settings.connections} connections (ms)`,
          number(overhead.loaded, 2),
        ],
        [
          'server overhead at p50: search p50 − raw SQL p50, one at a time (ms)',
          number(overhead.sequential, 2),
        ],
        [
          'two processes ÷ one process, search requests/s',
          number(http.searchTwo.requestsPerSecond / http.searchOne.requestsPerSecond, 3),
        ],
        [
          'two processes ÷ one process, add requests/s',
          number(http.addTwo.requestsPerSecond / http.addOne.requestsPerSecond, 3),
        ],
      ],
    ),
  );
  out();

  out('Targets');
  out(
    table(
      ['Figure', 'Value', 'Target', 'Result'],
      results.targets.map((target) => [
        target.figure,
        number(target.value, target.digits),
        target.target,
        target.met ? 'met' : 'MISSED',
      ]),
    ),
  );
  out();

  out(`Total run time ${number(results.totalSeconds, 1)} s.`);
  out(
    table(
      ['Phase', 'Seconds'],
      Object.entries(results.phases).map(([name, seconds]) => [name, number(seconds, 1)]),
    ),
  );
}
