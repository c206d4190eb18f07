// Measure search latency on one store in a process of its own and print the results as JSON.
// Usage: node search-latency.mjs DB_FILE QUERIES_JSON_FILE PASSES SLOWEST_COUNT
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { coreDist, dbDist } from '../lib/paths.mjs';
import { explainSlowQueries, measureSearch } from '../lib/searching.mjs';

const [dbFile, queriesFile, passes, slowestCount] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const core = require(coreDist);
const { SqliteStore } = require(dbDist);

const queries = JSON.parse(readFileSync(queriesFile, 'utf8'));
const store = new SqliteStore(dbFile);
try {
  const latency = await measureSearch({ core }, store, queries, Number(passes));
  const slowest = explainSlowQueries({ core }, store, latency.perQuery, Number(slowestCount));
  process.stdout.write(JSON.stringify({ ...latency, slowest }));
} finally {
  await store.close();
}
