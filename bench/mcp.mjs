#!/usr/bin/env node
// Round trip of a search over MCP stdio: mem0-mcp's search_memories beside the reference
// server @modelcontextprotocol/server-memory's search_nodes, in the same run, on the same
// 10,000 fortune texts and the same queries. Run `pnpm build`, then `pnpm bench:mcp` (or
// `node bench/mcp.mjs --quick` for fewer rounds). Writes bench/.data/mcp-results.json and the
// printed report to bench/.data/mcp-report.txt.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { buildSets, ensureFortunes, readCorpus, writeJsonLines } from './lib/corpus.mjs';
import { importWithCli } from './lib/importing.mjs';
import { describeMachine } from './lib/machine.mjs';
import { coreDist, dataDir, repoRoot } from './lib/paths.mjs';
import { buildQueries } from './lib/queries.mjs';
import { round, summarize } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
const settings = { records: 10_000, rounds: quick ? 2 : 5, warmupRounds: 1, loadBatch: 500 };

const require = createRequire(path.join(repoRoot, 'apps/cli/package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const core = require(coreDist);

const mem0McpBin = path.join(repoRoot, 'apps/cli/dist/mcp-bin.js');
const referencePackage = '@modelcontextprotocol/server-memory';
const referenceBin = createRequire(path.join(repoRoot, 'package.json')).resolve(
  `${referencePackage}/dist/index.js`,
);
const referenceVersion = createRequire(path.join(repoRoot, 'package.json'))(
  `${referencePackage}/package.json`,
).version;

const runStart = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - runStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
};

async function connect(label, args, env) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'ignore',
  });
  const client = new Client({ name: `bench-${label}`, version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Call a tool and return the round trip in milliseconds and the size of the response. */
async function timedCall(client, name, args) {
  const start = performance.now();
  const result = await client.callTool({ name, arguments: args });
  const ms = performance.now() - start;
  if (result.isError) {
    throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 500)}`);
  }
  return { ms, bytes: Buffer.byteLength(JSON.stringify(result)), result };
}

/** Load the reference server through its own tool, one entity per text with it as observation. */
async function loadReference(client, records) {
  const start = performance.now();
  for (let offset = 0; offset < records.length; offset += settings.loadBatch) {
    const entities = records.slice(offset, offset + settings.loadBatch).map((record, index) => ({
      name: `memory-${offset + index}`,
      entityType: record.context,
      observations: [record.content],
    }));
    await client.callTool({ name: 'create_entities', arguments: { entities } });
  }
  return performance.now() - start;
}

const hitCount = {
  mem0: (result) => result.structuredContent.items.length,
  reference: (result) => result.structuredContent.entities.length,
};

async function main() {
  mkdirSync(dataDir, { recursive: true });
  ensureFortunes(log);
  const corpus = readCorpus();
  const sets = buildSets(corpus, core.normalizeContent, {
    smallSize: settings.records,
    largeSize: settings.records,
  });
  const records = sets.small;
  const queries = buildQueries(sets.distinct, core.tokenize);
  log(`${records.length} memories, ${queries.length} queries, ${settings.rounds} timed rounds`);

  const workDir = path.join(dataDir, 'mcp');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const home = path.join(workDir, 'mem0-home');
  const memoryFile = path.join(workDir, 'reference-memory.jsonl');

  const recordsFile = path.join(workDir, 'records.jsonl');
  writeJsonLines(recordsFile, records);
  const imported = importWithCli(recordsFile, home);
  log(`mem0 import: ${imported.imported ?? records.length} memories`);

  const mem0 = await connect('mem0', [mem0McpBin], { MEM0_HOME: home, MEM0_LOG_LEVEL: 'warn' });
  const reference = await connect('reference', [referenceBin], { MEMORY_FILE_PATH: memoryFile });
  const loadMs = await loadReference(reference, records);
  log(`reference server loaded in ${round(loadMs / 1000, 1)} s`);

  const servers = [
    { key: 'mem0', client: mem0, tool: 'search_memories' },
    { key: 'reference', client: reference, tool: 'search_nodes' },
  ];
  const samples = { mem0: [], reference: [] };
  const bytes = { mem0: [], reference: [] };
  const hits = { mem0: [], reference: [] };
  const byCategory = new Map();

  // Each round sends every query to one server, then to the other, and the next round swaps the
  // order. Whole blocks keep one server's garbage out of the other's timings, because the
  // reference responses reach hundreds of kilobytes, which this process parses.
  for (let round_ = 0; round_ < settings.warmupRounds + settings.rounds; round_++) {
    const timed = round_ >= settings.warmupRounds;
    const order = round_ % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      for (const query of queries) {
        const call = await timedCall(server.client, server.tool, { query: query.text });
        if (!timed) {
          continue;
        }
        samples[server.key].push(call.ms);
        bytes[server.key].push(call.bytes);
        if (round_ === settings.warmupRounds) {
          hits[server.key].push(hitCount[server.key](call.result));
        }
        const entry = byCategory.get(query.category) ?? { mem0: [], reference: [] };
        entry[server.key].push(call.ms);
        byCategory.set(query.category, entry);
      }
    }
    log(`round ${round_ + 1} of ${settings.warmupRounds + settings.rounds} done`);
  }

  await mem0.close();
  await reference.close();

  const mem0Summary = summarize(samples.mem0);
  const referenceSummary = summarize(samples.reference);
  const results = {
    machine: describeMachine(),
    settings,
    data: { memories: records.length, queries: queries.length, calls: samples.mem0.length },
    reference: { package: referencePackage, version: referenceVersion, loadMs: round(loadMs) },
    mem0: summaryOf(mem0Summary, bytes.mem0, hits.mem0),
    referenceServer: summaryOf(referenceSummary, bytes.reference, hits.reference),
    ratio: {
      p50: round(referenceSummary.p50 / mem0Summary.p50, 1),
      p99: round(referenceSummary.p99 / mem0Summary.p99, 1),
      mean: round(referenceSummary.mean / mem0Summary.mean, 1),
    },
    categories: [...byCategory.entries()].map(([category, entry]) => ({
      category,
      queries: queries.filter((query) => query.category === category).length,
      mem0P50: round(summarize(entry.mem0).p50),
      referenceP50: round(summarize(entry.reference).p50),
      ratioP50: round(summarize(entry.reference).p50 / summarize(entry.mem0).p50, 1),
    })),
  };

  const report = formatReport(results);
  process.stdout.write(report);
  writeFileSync(path.join(dataDir, 'mcp-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(dataDir, 'mcp-report.txt'), report);
}

function summaryOf(summary, sizes, hitCounts) {
  const total = (values) => values.reduce((sum, value) => sum + value, 0);
  return {
    p50: round(summary.p50),
    p90: round(summary.p90),
    p99: round(summary.p99),
    mean: round(summary.mean),
    max: round(summary.max),
    meanAnswerBytes: Math.round(total(sizes) / sizes.length),
    queriesWithHits: hitCounts.filter((count) => count > 0).length,
    meanHits: round(total(hitCounts) / hitCounts.length, 1),
  };
}

function formatReport(results) {
  const { machine, data, mem0, referenceServer, ratio, reference } = results;
  const lines = [
    'MCP search round trip over stdio',
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}`,
    `node ${machine.node}, commit ${machine.commit}${machine.uncommittedChanges ? ' (with uncommitted changes)' : ''}`,
    `data: ${data.memories} memories, ${data.queries} queries, ${data.calls} timed calls per server`,
    `reference: ${reference.package} ${reference.version}, loaded with create_entities in ${round(reference.loadMs / 1000, 1)} s`,
    '',
    'server                 p50 ms   p90 ms   p99 ms   mean ms   answer bytes   queries with hits',
    row('mem0 search_memories', mem0),
    row('reference search_nodes', referenceServer),
    '',
    `reference / mem0: p50 ${ratio.p50}x, p99 ${ratio.p99}x, mean ${ratio.mean}x (target: at least 10x)`,
    '',
    'category               queries   mem0 p50   reference p50   ratio',
    ...results.categories.map(
      (entry) =>
        `${entry.category.padEnd(22)} ${String(entry.queries).padStart(7)} ${entry.mem0P50.toFixed(2).padStart(10)} ${entry.referenceP50.toFixed(2).padStart(15)} ${`${entry.ratioP50}x`.padStart(7)}`,
    ),
    '',
  ];
  return lines.join('\n');
}

function row(label, summary) {
  return [
    label.padEnd(22),
    summary.p50.toFixed(2).padStart(7),
    summary.p90.toFixed(2).padStart(8),
    summary.p99.toFixed(2).padStart(8),
    summary.mean.toFixed(2).padStart(9),
    String(summary.meanAnswerBytes).padStart(14),
    `${summary.queriesWithHits}`.padStart(19),
  ].join(' ');
}

main().catch((error) => {
  process.stderr.write(`bench/mcp.mjs failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
