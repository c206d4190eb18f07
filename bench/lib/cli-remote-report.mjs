// The plain-text report of bench/cli-remote.mjs: `mem0 search` on the local store and against a
// team server, next to `node -e ""`.

const number = (value, digits = 1) =>
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

/** Return the process rows of `results` by their role in the report. */
export function processRows(results) {
  const find = (prefix, suffix = '') =>
    results.processes.find((entry) => entry.name.startsWith(prefix) && entry.name.endsWith(suffix));
  return {
    node: find('node -e'),
    local: find('mem0 search', 'local store'),
    environment: find('mem0 search', 'MEM0_API_KEY'),
    profile: find('mem0 search', 'credentials.json'),
    liftoff: find('mem0 search', '--liftoff-only'),
    fetch: find('node + one fetch'),
    http: find('node + one node:http'),
  };
}

/** Write the report of `results` to `out` (an object with `write(text)`). */
export function printCliRemoteReport(results, out) {
  const write = (text = '') => out.write(`${text}\n`);
  const { machine, dataSet, server, breakdown, roundTrip, serverSide, cpu } = results;
  const rows = processRows(results);
  const baseline = rows.node;

  write(
    `mem0 search against a team server, ${results.date} (${results.command}, ${results.totalSeconds} s)`,
  );
  write();
  write(`CPU          ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB`);
  write(`OS           ${machine.os}`);
  write(`Node         ${machine.node}`);
  write(`PostgreSQL   ${machine.postgres} on 127.0.0.1:5432, pg ${machine.pgDriver}`);
  write(
    `mem0         commit ${machine.commit}${machine.uncommittedChanges ? ' with uncommitted changes to tracked files' : ''}`,
  );
  if (results.staleBuilds.length > 0) {
    write(`WARNING      sources newer than the build: ${results.staleBuilds.join(', ')}`);
  }
  if (results.buildChangedDuringRun) {
    write('WARNING      the build changed during the run');
  }
  write();
  write(
    `Data: the ${dataSet.name} set, ${dataSet.records.toLocaleString('en-US')} records (mean ${dataSet.meanContentChars} characters).`,
  );
  write(
    `  Local store: mem0 import into a temporary MEM0_HOME, ${results.localImport.added.toLocaleString('en-US')} added in ${results.localImport.seconds} s.`,
  );
  write(
    `  Team server: one mem0-server process, database ${server.database}, ${server.memories.toLocaleString('en-US')} memories bulk-loaded in ${server.loadSeconds} s, API key of write scope.`,
  );
  write(
    `  "${results.settings.query}" finds ${results.agreement.localHits} memories locally and ${results.agreement.remoteHits} on the server; ${results.agreement.sameContents} have the same content at the same rank.`,
  );
  write(
    `  mem0 login --with-token --insecure-storage: ${results.profileLogin.ok ? `profile "${results.profileLogin.profile}", ${results.profileLogin.seconds} s` : `failed: ${results.profileLogin.error}`}`,
  );
  write();
  write(
    `Outside load: ${number(results.outsideLoadAtStart, 2)} cores in the 3 s before the run.` +
      (cpu
        ? ` During the ${cpu.seconds} s of wall-time runs: runner and commands ${number(cpu.runnerAndCommands, 2)}, mem0-server ${number(cpu.server, 2)}, PostgreSQL ${number(cpu.postgres, 2)}, other processes ${number(cpu.other, 2)} cores.`
        : ''),
  );
  write();

  write(
    `Whole-process wall time, ${results.settings.rounds} interleaved runs each after ${results.settings.warmup} warm-up rounds:`,
  );
  const ratio = (entry, key) =>
    entry?.[key] && baseline?.[key] ? `${number(entry[key] / baseline[key], 2)}×` : '—';
  write(
    table(
      ['Command', 'Median ms', 'p90 ms', 'Min ms', 'Max ms', '× node (median)', '× node (p90)'],
      results.processes.map((entry) =>
        entry.failure
          ? [entry.name, 'failed', '', '', '', '', '']
          : [
              entry.name,
              number(entry.medianMs),
              number(entry.p90Ms),
              number(entry.minMs),
              number(entry.maxMs),
              ratio(entry, 'medianMs'),
              ratio(entry, 'p90Ms'),
            ],
      ),
    ),
  );
  write();
  if (rows.local?.medianMs && rows.environment?.medianMs) {
    write(
      `Remote (MEM0_SERVER) − local, median: ${number(rows.environment.medianMs - rows.local.medianMs)} ms. The local mode's target is 3× node -e "" (${number(3 * baseline.medianMs)} ms here).`,
    );
  }
  for (const entry of [rows.fetch, rows.http]) {
    if (entry?.requestMs !== undefined) {
      write(
        `${entry.name}: the request took ${number(entry.requestMs)} ms (median), after ${number(entry.bootMs)} ms of Node start-up.`,
      );
    }
  }
  write();

  const cli = breakdown.cli;
  write(
    `Where a remote mem0 search (MEM0_SERVER) spends its time, medians of ${cli.runs} runs with bench/children/fetch-timing.mjs preloaded (${cli.fetchesPerRun.join(', ')} fetch per run):`,
  );
  write(
    table(
      ['Step', 'ms'],
      [
        ['Node start-up, until the preload runs', number(cli.preloadMs)],
        [
          'CLI modules, target, client, until the first fetch',
          number(cli.firstFetchMs - cli.preloadMs),
        ],
        ['First fetch until the response headers', number(cli.headersMs - cli.firstFetchMs)],
        [
          'Response body and output, until the last write to stdout',
          number(cli.lastWriteMs - cli.headersMs),
        ],
        ['Last write to stdout until the exit event', number(cli.exitMs - cli.lastWriteMs)],
        ['Process teardown and spawn (wall time − exit event)', number(cli.wallMs - cli.exitMs)],
        ['Wall time, with the preload', number(cli.wallMs)],
      ],
    ),
  );
  write();
  write(
    `The first fetch, split: a new process sending the search twice (${breakdown.freshFetch.runs} runs) took ${number(breakdown.freshFetch.firstFetchMs)} ms for the first and ${number(breakdown.freshFetch.secondFetchMs)} ms for the second on the same connection, so loading fetch and opening the connection cost about ${number(breakdown.freshFetch.firstFetchMs - breakdown.freshFetch.secondFetchMs)} ms.`,
  );
  write(
    `In-process round trip, ${roundTrip.count} searches on one keep-alive connection from the runner: median ${number(roundTrip.medianMs, 2)} ms, p90 ${number(roundTrip.p90Ms, 2)} ms, min ${number(roundTrip.minMs, 2)} ms.`,
  );
  write(
    `Server's own time (responseTime in its log, whole ms) over ${serverSide.searchRequests} POST /v1/search requests: median ${number(serverSide.searchMedianMs)} ms, p90 ${number(serverSide.searchP90Ms)} ms.`,
  );
  write(
    `Requests in the server log: ${Object.entries(serverSide.routes)
      .map(([route, count]) => `${route} ${count}`)
      .join(', ')}.`,
  );
  write();
  write(
    `Phases (s): ${Object.entries(results.phases)
      .map(([name, seconds]) => `${name} ${seconds}`)
      .join(', ')}. Load average at the end: ${results.loadAverageAtEnd.join(' / ')}.`,
  );
}
