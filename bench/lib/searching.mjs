// In-process search latency on a warm store, through core.searchMemories.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { benchDir } from './paths.mjs';
import { median, percentile, round, seededRandom, shuffled, summarize } from './stats.mjs';

export const searchLimit = 10;

/** Bands of the number of memories that contain any query term, for the latency table. */
const matchBands = [
  { label: '0', max: 0 },
  { label: '1–99', max: 99 },
  { label: '100–999', max: 999 },
  { label: '1,000–9,999', max: 9_999 },
  { label: '≥ 10,000', max: Infinity },
];

/**
 * Build an FTS5 MATCH expression of every term of a query joined by OR (or by `operator`), the
 * last term a prefix when parseQuery sets `prefixLast`. The benchmark uses it to count the
 * memories that contain any (or every) term of a query, whatever the store decides to match.
 * Returns undefined for a query without terms.
 */
export function matchExpression(core, text, operator = 'OR') {
  const query = core.parseQuery(text);
  if (query.terms.length === 0) {
    return undefined;
  }
  return query.terms
    .map((term, index) => {
      const literal = `"${term.replaceAll('"', '""')}"`;
      return query.prefixLast && index === query.terms.length - 1 ? `${literal}*` : literal;
    })
    .join(` ${operator} `);
}

/**
 * Run every query once to warm the store's pages and caches, then `passes` more times in a
 * seeded shuffled order, timing each `searchMemories` call (query parsing, the FTS5 query with
 * ranking and joins, and snippets for the returned hits).
 */
export async function measureSearch({ core }, store, queries, passes) {
  const timings = queries.map(() => []);
  const errors = [];
  const hits = [];

  const runOne = async (index) => {
    const start = performance.now();
    try {
      const page = await core.searchMemories(store, {
        query: queries[index].text,
        limit: searchLimit,
      });
      hits[index] = page.items.length;
    } catch (error) {
      errors.push({ query: queries[index].text, error: String(error.message ?? error) });
      return undefined;
    }
    return performance.now() - start;
  };

  for (let index = 0; index < queries.length; index++) {
    await runOne(index);
  }
  const random = seededRandom(11);
  for (let pass = 0; pass < passes; pass++) {
    for (const index of shuffled(
      queries.map((_, position) => position),
      random,
    )) {
      const ms = await runOne(index);
      if (ms !== undefined) {
        timings[index].push(ms);
      }
    }
  }

  const db = store.database;
  const countMatches = db
    .prepare('SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?')
    .pluck();
  const perQuery = queries.map((query, index) => {
    const match = matchExpression(core, query.text);
    return {
      ...query,
      medianMs: median(timings[index]),
      maxMs: Math.max(...timings[index]),
      hits: hits[index],
      anyTermRows: match === undefined ? 0 : countMatches.get(match),
    };
  });

  const all = timings.flat();
  const categories = [...new Set(queries.map((query) => query.category))].map((category) => {
    const values = perQuery
      .map((query, index) => (query.category === category ? timings[index] : []))
      .flat();
    return {
      category,
      queries: perQuery.filter((query) => query.category === category).length,
      ...roundedSummary(summarize(values)),
    };
  });

  let lower = -1;
  const bands = matchBands.map((band) => {
    const inBand = perQuery
      .map((query, index) => ({ query, values: timings[index] }))
      .filter(({ query }) => query.anyTermRows > lower && query.anyTermRows <= band.max);
    lower = band.max;
    const values = inBand.flatMap(({ values }) => values);
    return {
      anyTermRows: band.label,
      queries: inBand.length,
      p50: values.length ? percentile(values, 50) : null,
      p95: values.length ? percentile(values, 95) : null,
    };
  });

  return {
    queries: queries.length,
    passes,
    calls: all.length,
    ...roundedSummary(summarize(all)),
    errors,
    categories,
    bands,
    perQuery,
  };
}

function roundedSummary(summary) {
  return Object.fromEntries(
    Object.entries(summary)
      .filter(([key]) => key !== 'count')
      .map(([key, value]) => [key, round(value, 3)]),
  );
}

/**
 * Time, for the slowest queries, the FTS5 work of matching every term of the query with OR:
 * counting the matches, the first 11 unranked, the 11 best by bm25 on the FTS table alone, and
 * the same with the joins, filters and ORDER BY of a search, returning only row keys. The AND
 * figures show the same query when every term is required. These show the cost of ranking all
 * memories that contain any term, which is what a search that skips no term has to do.
 */
export function explainSlowQueries({ core }, store, perQuery, count) {
  const db = store.database;
  const statements = {
    count: db.prepare('SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?').pluck(),
    unranked: db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? LIMIT 11'),
    ranked: db.prepare(
      'SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rank LIMIT 11',
    ),
    // The joins, filters and ORDER BY of the store's ranked search, selecting only the row key.
    joinedKeys: db.prepare(
      `SELECT m.seq FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
       JOIN contexts c ON c.id = m.context_id
       WHERE memories_fts MATCH ? AND c.owner_id = 'local'
         AND (m.expires_at IS NULL OR m.expires_at > '${new Date().toISOString()}')
       ORDER BY bm25(memories_fts), m.created_at DESC, m.id DESC LIMIT 11`,
    ),
  };
  const timeStatement = (statement, match) => {
    const values = [];
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      statement.all(match);
      values.push(performance.now() - start);
    }
    return round(median(values), 3);
  };

  return [...perQuery]
    .sort((a, b) => b.medianMs - a.medianMs)
    .slice(0, count)
    .map((query) => {
      const match = matchExpression(core, query.text);
      const allTerms = matchExpression(core, query.text, 'AND');
      const terms = core.parseQuery(query.text).terms.length;
      return {
        category: query.category,
        text: query.text,
        terms,
        anyTermRows: query.anyTermRows,
        searchMs: round(query.medianMs, 3),
        ftsCountMs: match === undefined ? null : timeStatement(statements.count, match),
        ftsFirst11Ms: match === undefined ? null : timeStatement(statements.unranked, match),
        ftsRankedTop11Ms: match === undefined ? null : timeStatement(statements.ranked, match),
        joinedKeysTop11Ms: match === undefined ? null : timeStatement(statements.joinedKeys, match),
        allTermsRows: allTerms === undefined ? 0 : statements.count.get(allTerms),
        andRankedTop11Ms:
          allTerms === undefined ? null : timeStatement(statements.ranked, allTerms),
      };
    });
}

/**
 * Measure search latency on the store in `dbFile` in a fresh Node process
 * (children/search-latency.mjs), so that the heap of the benchmark runner, with its data sets,
 * does not lengthen garbage-collection pauses during the searches.
 */
export function measureSearchInChild(dbFile, queriesFile, passes, slowestCount) {
  const child = spawnSync(
    process.execPath,
    [
      path.join(benchDir, 'children/search-latency.mjs'),
      dbFile,
      queriesFile,
      String(passes),
      String(slowestCount),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) {
    throw new Error(
      `The search measurement on ${dbFile} failed with exit status ${child.status}: ${child.stderr.trim().slice(0, 2000)}`,
    );
  }
  return JSON.parse(child.stdout);
}
