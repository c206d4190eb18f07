#!/usr/bin/env node
// mem0 benchmark: import throughput, search latency, process start-up and a Prisma Client
// comparison, on a corpus of Debian fortune cookies. Run `pnpm build`, then `pnpm bench`
// (or `node bench/run.mjs --quick` for a smaller smoke run). Writes bench/.data/results.json
// and the printed report to bench/.data/report.txt.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import {
  buildSets,
  corpusRecords,
  describeCorpus,
  ensureFortunes,
  readCorpus,
  writeJsonLines,
} from './lib/corpus.mjs';
import {
  importWithCli,
  importWithLibrary,
  measureImportSteps,
  repeatedLibraryImport,
} from './lib/importing.mjs';
import {
  describeMachine,
  findStaleBuilds,
  newestBuildMtime,
  otherCpuSeconds,
  readCpuTicks,
} from './lib/machine.mjs';
import { cliBin, coreDist, dataDir, dbDist, repoRoot } from './lib/paths.mjs';
import { preparePrisma } from './lib/prisma.mjs';
import { measureProcesses } from './lib/processes.mjs';
import { buildQueries } from './lib/queries.mjs';
import { printReport } from './lib/report.mjs';
import { measureSearchInChild } from './lib/searching.mjs';
import { round } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
const settings = quick
  ? {
      smallSize: 2_000,
      largeSize: 20_000,
      corpusRuns: 1,
      largeRuns: 1,
      searchPasses: 1,
      processRounds: 5,
      processWarmup: 1,
    }
  : {
      smallSize: 10_000,
      largeSize: 100_000,
      corpusRuns: 3,
      largeRuns: 3,
      searchPasses: 3,
      processRounds: 30,
      processWarmup: 3,
    };

const runStart = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - runStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
};

async function main() {
  for (const file of [cliBin, coreDist, dbDist]) {
    if (!existsSync(file)) {
      throw new Error(
        `${path.relative(repoRoot, file)} is missing. Run "pnpm install && pnpm build" first.`,
      );
    }
  }
  const staleBuilds = findStaleBuilds();
  const buildMtimeAtStart = newestBuildMtime();
  if (staleBuilds.length > 0) {
    log(
      `WARNING: ${staleBuilds.join(', ')} changed after the last build, so the benchmark measures older code. Run "pnpm build" first.`,
    );
  }
  mkdirSync(dataDir, { recursive: true });

  const require = createRequire(import.meta.url);
  const core = require(coreDist);
  const { SqliteStore } = require(dbDist);
  const modules = { core, SqliteStore };
  const phases = {};
  // Each phase records its wall time and the CPU time that other processes on the machine
  // used meanwhile, which shows how much outside load the figures of that phase carry.
  const phase = async (name, work) => {
    const start = performance.now();
    const ticksBefore = readCpuTicks();
    log(`${name}…`);
    const result = await work();
    const seconds = (performance.now() - start) / 1000;
    const otherCpu = otherCpuSeconds(ticksBefore, readCpuTicks());
    phases[name] = {
      seconds: round(seconds, 1),
      otherProcessesCpuSeconds: otherCpu,
      otherProcessesMeanCores: otherCpu === null ? null : round(otherCpu / seconds, 2),
    };
    return result;
  };

  // Corpus and data sets.
  const installed = ensureFortunes(log);
  const corpus = readCorpus();
  const corpusSummary = describeCorpus(corpus, core.normalizeContent);
  const sets = buildSets(corpus, core.normalizeContent, settings);
  const files = {
    corpus: path.join(dataDir, 'corpus.jsonl'),
    small: path.join(dataDir, `set-${settings.smallSize / 1000}k.jsonl`),
    large: path.join(dataDir, `set-${settings.largeSize / 1000}k.jsonl`),
  };
  const corpusLines = writeJsonLines(files.corpus, corpusRecords(corpus));
  const smallLines = writeJsonLines(files.small, sets.small);
  const largeLines = writeJsonLines(files.large, sets.large);
  const describeSet = (file, records) => ({
    records: records.length,
    meanContentChars: Math.round(
      records.reduce((sum, record) => sum + record.content.length, 0) / records.length,
    ),
    file,
    mib: round(statSync(file).size / 1024 ** 2, 1),
  });
  const dataSets = {
    corpus: describeSet(files.corpus, corpusRecords(corpus)),
    small: describeSet(files.small, sets.small),
    large: {
      ...describeSet(files.large, sets.large),
      distinctEntries: sets.large.length - sets.pairs,
      joinedPairs: sets.pairs,
    },
  };
  log(
    `Corpus: ${corpus.entries.length} entries in ${corpus.files.length} files; sets of ${smallLines.length} and ${largeLines.length} records.`,
  );

  const machine = describeMachine();
  const stores = {
    small: path.join(dataDir, 'stores', 'small.db'),
    large: path.join(dataDir, 'stores', 'large.db'),
    replay: path.join(dataDir, 'stores'),
    cliHome: path.join(dataDir, 'homes', 'cli-import'),
  };

  // 1. Import throughput.
  const imports = await phase('import', () => ({
    corpus: repeatedLibraryImport(
      files.corpus,
      path.join(dataDir, 'stores', 'corpus.db'),
      settings.corpusRuns,
    ),
    small: repeatedLibraryImport(files.small, stores.small, settings.corpusRuns),
    large: repeatedLibraryImport(files.large, stores.large, settings.largeRuns),
    largeCli: importWithCli(files.large, stores.cliHome),
  }));
  const importAnalysis = await phase('import profile', () => ({
    profile: importWithLibrary(files.corpus, path.join(dataDir, 'stores', 'profiled.db'), {
      profile: true,
    }),
    steps: measureImportSteps(modules, corpusLines, corpusRecords(corpus), stores.replay),
  }));

  // 2. Search latency.
  const queries = buildQueries(sets.distinct, core.tokenize);
  const queriesFile = path.join(dataDir, 'queries.json');
  writeFileSync(queriesFile, `${JSON.stringify(queries, null, 2)}\n`);
  const search = await phase('search', () => {
    const small = measureSearchInChild(stores.small, queriesFile, settings.searchPasses, 12);
    const large = measureSearchInChild(stores.large, queriesFile, settings.searchPasses, 12);
    return { small, large };
  });

  // 3 and 4. Process start-up, with and without Prisma.
  const prisma = await phase('prisma generate', () => preparePrisma(dataDir));
  const processes = await phase('process start-up', () => {
    const cliEnv = { ...process.env, MEM0_HOME: stores.cliHome, NO_COLOR: '1' };
    const cliDatabase = path.join(stores.cliHome, 'mem0.db');
    const commands = [
      { name: 'node -e ""', args: ['-e', ''] },
      { name: 'mem0 --version', args: [cliBin, '--version'], env: cliEnv },
      { name: 'load @memzero/db', args: ['-e', `require(${JSON.stringify(dbDist)})`] },
      {
        name: 'mem0 search "computer science"',
        args: [cliBin, 'search', 'computer science'],
        env: cliEnv,
      },
      {
        name: 'mem0 search "the meaning of life"',
        args: [cliBin, 'search', 'the meaning of life'],
        env: cliEnv,
      },
      {
        name: 'better-sqlite3, one query',
        args: [
          path.join(repoRoot, 'bench/children/sqlite-query.mjs'),
          cliDatabase,
          path.join(repoRoot, 'packages/db/package.json'),
        ],
        parseOutput: true,
      },
    ];
    if (prisma.ok) {
      commands.push({
        name: 'Prisma Client, one query',
        args: [prisma.script, cliDatabase],
        parseOutput: true,
      });
    }
    return measureProcesses(commands, {
      rounds: settings.processRounds,
      warmup: settings.processWarmup,
    });
  });

  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: quick ? 'node bench/run.mjs --quick' : 'pnpm bench',
    settings,
    machine,
    staleBuilds,
    corpus: { ...corpusSummary, installedNow: installed },
    dataSets,
    imports,
    importAnalysis,
    queries: { count: queries.length, categories: countBy(queries, (query) => query.category) },
    search,
    prisma,
    processes,
    phases,
    totalSeconds: round((performance.now() - runStart) / 1000, 1),
    loadAverageAtEnd: os.loadavg().map((value) => round(value, 2)),
  };
  results.targets = evaluateTargets(results);
  results.buildChangedDuringRun = newestBuildMtime() !== buildMtimeAtStart;
  if (results.buildChangedDuringRun) {
    log('WARNING: the built code changed during the run, so the figures mix two builds.');
  }

  const resultsFile = path.join(dataDir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  let report = '';
  printReport(results, { write: (text) => (report += text) });
  process.stdout.write(report);
  const reportFile = path.join(dataDir, 'report.txt');
  writeFileSync(reportFile, report);
  log(`Wrote ${path.relative(repoRoot, resultsFile)} and ${path.relative(repoRoot, reportFile)}.`);
}

function countBy(items, key) {
  const counts = {};
  for (const item of items) {
    counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  }
  return counts;
}

/** List each figure that has a target, with its value and whether the target was met. */
function evaluateTargets(results) {
  const byName = Object.fromEntries(results.processes.map((entry) => [entry.name, entry]));
  const node = byName['node -e ""'];
  const search = byName['mem0 search "computer science"'];
  const size = results.dataSets.large.records.toLocaleString('en-US');
  const targets = [
    {
      figure: 'Import, full corpus, library (memories/s)',
      value: round(results.imports.corpus.perSecond, 0),
      target: '≥ 20,000',
      met: results.imports.corpus.perSecond >= 20_000,
    },
    {
      figure: `Import, ${size} set, library (memories/s)`,
      value: round(results.imports.large.perSecond, 0),
      target: '≥ 20,000',
      met: results.imports.large.perSecond >= 20_000,
    },
    {
      figure: `Search p50 at ${size} memories (ms)`,
      value: results.search.large.p50,
      target: '≤ 5',
      met: results.search.large.p50 <= 5,
    },
    {
      figure: `Search p99 at ${size} memories (ms)`,
      value: results.search.large.p99,
      target: '≤ 25',
      met: results.search.large.p99 <= 25,
    },
  ];
  if (node?.medianMs && search?.medianMs) {
    targets.push({
      figure: 'mem0 search / node -e "", median wall time (ratio)',
      value: round(search.medianMs / node.medianMs, 2),
      target: '≤ 3',
      met: search.medianMs / node.medianMs <= 3,
    });
  }
  return targets;
}

main().catch((error) => {
  log(`Benchmark failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
