// The plain-text report that a benchmark run prints.

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
    cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export function printReport(results, stream) {
  const out = (text = '') => stream.write(`${text}\n`);
  const { machine, corpus, dataSets, imports, importAnalysis, search, prisma, processes } = results;

  out(`mem0 benchmark, ${results.mode} run, ${results.date} (${results.command})`);
  out();
  out(`Machine   ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory`);
  out(`          ${machine.os}`);
  out(
    `Load      1/5/15-minute load average ${machine.loadAverageAtStart.join(' / ')} at start, ${results.loadAverageAtEnd.join(' / ')} at end (other processes add noise)`,
  );
  out(
    `Software  Node ${machine.node}, better-sqlite3 ${machine.betterSqlite3}, SQLite ${machine.sqlite}, mem0 commit ${machine.commit ?? 'unknown'}${machine.uncommittedChanges ? ' with uncommitted changes' : ''}`,
  );
  if (results.buildChangedDuringRun) {
    out('WARNING   the built code changed during the run: the figures mix two builds.');
  }
  if (results.staleBuilds.length > 0) {
    out(
      `WARNING   ${results.staleBuilds.join(', ')} changed after the last build: these figures are for older code.`,
    );
  }
  const en = corpus.byLanguage.en;
  const zh = corpus.byLanguage.zh;
  out(
    `Corpus    ${corpus.files.length} files of ${corpus.packages.join(', ')}: ${number(en.entries)} English entries (${en.files} files, mean ${en.meanChars} characters), ${number(zh.entries)} Chinese entries (${zh.files} files, mean ${zh.meanChars} characters)`,
  );
  out(
    `          ${number(zh.withAnsiEscapes)} Chinese entries contain ANSI colour escapes and ${number(en.withBackspaces)} English entries contain backspace overstrikes; both are imported as they are`,
  );
  out(
    `Data      full corpus ${number(dataSets.corpus.records)} records (mean ${dataSets.corpus.meanContentChars} characters, ${dataSets.corpus.mib} MiB JSON Lines); ` +
      `${number(dataSets.small.records)}-record set (mean ${dataSets.small.meanContentChars} characters, ${dataSets.small.mib} MiB)`,
  );
  out(
    `          ${number(dataSets.large.records)}-record set = ${number(dataSets.large.distinctEntries)} distinct entries + ${number(dataSets.large.joinedPairs)} joined pairs (mean ${dataSets.large.meanContentChars} characters, ${dataSets.large.mib} MiB)`,
  );
  out();

  out('Targets');
  out(
    table(
      ['Figure', 'Value', 'Target', 'Met'],
      results.targets.map((target) => [
        target.figure,
        number(target.value, Number.isInteger(target.value) ? 0 : 2),
        target.target,
        target.met ? 'yes' : 'NO',
      ]),
    ),
  );
  out();

  out('Import (memories/s = lines read / import time; every run starts from an empty store)');
  const importRow = (name, result, scope) => [
    name,
    number(result.lines),
    number(result.added),
    number(result.duplicate),
    number(result.rejected),
    number(result.ms / 1000, 2),
    number(result.perSecond),
    number(result.databaseBytes / 1024 ** 2, 1),
    scope,
  ];
  out(
    table(
      [
        'Input',
        'Lines',
        'Added',
        'Duplicate',
        'Rejected',
        'Seconds',
        'Memories/s',
        'DB MiB',
        'Clock',
      ],
      [
        importRow(
          `full corpus (median of ${imports.corpus.runs.length})`,
          imports.corpus,
          'importMemories',
        ),
        importRow(
          `${number(dataSets.small.records)} set (median of ${imports.small.runs.length})`,
          imports.small,
          'importMemories',
        ),
        importRow(
          `${number(dataSets.large.records)} set (median of ${imports.large.runs.length})`,
          imports.large,
          'importMemories',
        ),
        importRow(
          `${number(dataSets.large.records)} set, mem0 import`,
          imports.largeCli,
          'whole process',
        ),
      ],
    ),
  );
  out(
    `Runs (s): full corpus ${imports.corpus.runs.map((ms) => number(ms / 1000, 2)).join(', ')}; ` +
      `${number(dataSets.small.records)} set ${imports.small.runs.map((ms) => number(ms / 1000, 2)).join(', ')}; ` +
      `${number(dataSets.large.records)} set ${imports.large.runs.map((ms) => number(ms / 1000, 2)).join(', ')}`,
  );
  out();

  out(
    `Where import time goes (CPU profile of one full-corpus import, ${number(importAnalysis.profile.ms / 1000, 2)} s under the profiler)`,
  );
  out(
    table(
      ['Category', 'ms', 'Share'],
      importAnalysis.profile.categories
        .filter((entry) => entry.share >= 0.005)
        .map((entry) => [entry.category, number(entry.ms), `${number(entry.share * 100, 1)}%`]),
    ),
  );
  out();
  const steps = importAnalysis.steps.steps;
  out('Import steps timed alone (µs per record, full corpus)');
  out(
    table(
      ['Step', 'µs/record'],
      [
        ['parseImportLine (JSON.parse + zod + defaults)', number(steps.parseImportLineUs, 1)],
        ['  JSON.parse alone', number(steps.jsonParseUs, 1)],
        ['  zod importRecordSchema alone', number(steps.zodImportRecordUs, 1)],
        [
          `searchText, English (${number(importAnalysis.steps.englishRecords)} records)`,
          number(steps.searchTextEnglishUs, 1),
        ],
        [
          `searchText, Chinese (${number(importAnalysis.steps.chineseRecords)} records)`,
          number(steps.searchTextChineseUs, 1),
        ],
        ['contentHash', number(steps.contentHashUs, 1)],
        ['newId (one id)', number(steps.newIdUs, 1)],
        [
          'better-sqlite3: building one db.transaction(fn) wrapper',
          number(steps.transactionWrapperUs, 1),
        ],
        ...importAnalysis.steps.sql.map((variant) => [
          `SQL replay: ${variant.name}`,
          number(variant.perRowUs, 1),
        ]),
      ],
    ),
  );
  out('(20,000 memories/s is a budget of 50 µs per record for all steps together.)');
  out();

  out(
    `Search latency, in-process, warm store (${search.large.queries} queries, ${search.large.passes} timed passes after one warm-up pass, limit 10)`,
  );
  const latencyRow = (name, result) => [
    name,
    number(result.calls),
    number(result.p50, 2),
    number(result.p95, 2),
    number(result.p99, 2),
    number(result.max, 2),
  ];
  out(
    table(
      ['Store', 'Calls', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        latencyRow(`${number(dataSets.small.records)} memories`, search.small),
        latencyRow(`${number(dataSets.large.records)} memories`, search.large),
      ],
    ),
  );
  out();
  out(`By query category at ${number(dataSets.large.records)} memories`);
  out(
    table(
      ['Category', 'Queries', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      search.large.categories.map((entry) => [
        entry.category,
        entry.queries,
        number(entry.p50, 2),
        number(entry.p95, 2),
        number(entry.p99, 2),
        number(entry.max, 2),
      ]),
    ),
  );
  out();
  out(
    `By the number of memories that contain any term of the query, at ${number(dataSets.large.records)} memories`,
  );
  out(
    table(
      ['Memories with any term', 'Queries', 'p50 ms', 'p95 ms'],
      search.large.bands.map((band) => [
        band.anyTermRows,
        band.queries,
        number(band.p50, 2),
        number(band.p95, 2),
      ]),
    ),
  );
  out();
  out(
    'Slowest queries at the large store: median ms of the timed passes, then FTS5 work timed alone for all terms joined by OR and by AND',
  );
  out(
    table(
      [
        'Query',
        'Category',
        'Terms',
        'search ms',
        'OR: rows',
        'OR: count ms',
        'OR: first 11 ms',
        'OR: top 11 by bm25 ms',
        'OR: joined top 11 ms',
        'AND: rows',
        'AND: top 11 ms',
      ],
      search.large.slowest.map((query) => [
        JSON.stringify(query.text.length > 40 ? `${query.text.slice(0, 37)}...` : query.text),
        query.category,
        query.terms,
        number(query.searchMs, 2),
        number(query.anyTermRows),
        number(query.ftsCountMs, 2),
        number(query.ftsFirst11Ms, 2),
        number(query.ftsRankedTop11Ms, 2),
        number(query.joinedKeysTop11Ms, 2),
        number(query.allTermsRows),
        number(query.andRankedTop11Ms, 2),
      ]),
    ),
  );
  for (const [name, result] of Object.entries({ small: search.small, large: search.large })) {
    for (const failure of result.errors) {
      out(`Search error (${name} store) for ${JSON.stringify(failure.query)}: ${failure.error}`);
    }
  }
  out();

  out(
    `Process wall time (${processes[0].runs} interleaved runs each after warm-up; spawnSync from this process)`,
  );
  const node = processes.find((entry) => entry.name === 'node -e ""');
  out(
    table(
      [
        'Command',
        'Runs',
        'median ms',
        'p90 ms',
        'min ms',
        'max ms',
        '× node -e (median)',
        'In-process load ms',
        'In-process query ms',
      ],
      processes.map((entry) => {
        const outputs = entry.outputs;
        const meanOf = (key) =>
          outputs.length
            ? outputs.reduce((sum, output) => sum + output[key], 0) / outputs.length
            : undefined;
        return [
          entry.name,
          entry.runs,
          number(entry.medianMs, 1),
          number(entry.p90Ms, 1),
          number(entry.minMs, 1),
          number(entry.maxMs, 1),
          entry.medianMs && node?.medianMs ? number(entry.medianMs / node.medianMs, 2) : '—',
          number(meanOf('loadMs'), 1),
          number(meanOf('queryMs'), 1),
        ];
      }),
    ),
  );
  for (const entry of processes.filter((candidate) => candidate.failure)) {
    out(
      `FAILED: ${entry.command}: exit status ${entry.failure.status}. ${entry.failure.error ?? ''}\n${entry.failure.stderr}`,
    );
  }
  const direct = processes.find((entry) => entry.name === 'better-sqlite3, one query');
  const viaPrisma = processes.find((entry) => entry.name === 'Prisma Client, one query');
  if (prisma.ok) {
    out(
      `Prisma: prisma ${prisma.versions.prisma}, @prisma/client ${prisma.versions.prismaClient}, generator "${prisma.generator.provider}" with engineType "${prisma.generator.engineType}", ` +
        `@prisma/adapter-better-sqlite3 ${prisma.versions.adapterBetterSqlite3} (better-sqlite3 ${prisma.versions.adapterBetterSqlite3Driver}, SQLite ${prisma.versions.adapterSqlite}); prisma generate took ${number(prisma.generateMs / 1000, 1)} s.`,
    );
    if (direct?.medianMs && viaPrisma?.medianMs) {
      const sameRows =
        JSON.stringify(direct.outputs[0]?.ids) === JSON.stringify(viaPrisma.outputs[0]?.ids);
      out(
        `Prisma Client costs ${number(viaPrisma.medianMs - direct.medianMs, 1)} ms more per process than better-sqlite3 alone (median), ` +
          `${number(viaPrisma.medianMs / direct.medianMs, 2)}× its wall time; both returned ${sameRows ? 'the same' : 'DIFFERENT'} 10 ids.`,
      );
    }
  } else {
    out(`Prisma could not run: the step "${prisma.step}" failed: ${prisma.error}`);
  }
  out();
  out(`Total run time ${number(results.totalSeconds, 1)} s.`);
  out(
    table(
      ['Phase', 'Seconds', 'CPU-s used by other processes', 'Mean cores used by others'],
      Object.entries(results.phases).map(([name, entry]) => [
        name,
        number(entry.seconds, 1),
        number(entry.otherProcessesCpuSeconds, 1),
        number(entry.otherProcessesMeanCores, 2),
      ]),
    ),
  );
}
