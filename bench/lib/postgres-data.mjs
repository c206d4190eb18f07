// The benchmark's PostgreSQL databases: creating and dropping them, loading the data set in
// bulk with the rows the store's own import writes, and checking those rows against a real
// import of a sample.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

/** The PostgreSQL server the benchmark creates its databases on (trust authentication). */
export const adminUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Records per INSERT statement of the bulk load. */
const loadBatchSize = 2_500;

/**
 * Create an empty database with a random name (`mem0_bench_<hex>` plus `suffix`). Returns its
 * name and URL and `drop`, which removes it even while connections are open.
 */
export async function createDatabase(pg, suffix = '') {
  const name = `mem0_bench_${randomBytes(5).toString('hex')}${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Create a user row, as the tests do, for a store that needs an existing author. */
export async function insertUser(pool, userId) {
  await pool.query('INSERT INTO users (id, created_at) VALUES ($1, now())', [userId]);
}

const insertBatchSql = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
      $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
      $14::text[])
    WITH ORDINALITY AS r(id, context_id, content, content_hash, search_text, search_vector,
      word_count, metadata, source, created_at, updated_at, expires_at, tags, revision_id,
      position)
),
memory_rows AS (
  INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
    search_vector, word_count, metadata, source, version, created_at, updated_at, expires_at)
  SELECT id, context_id, $15, content, content_hash, search_text, search_vector::tsvector,
    word_count, metadata::jsonb, source, 1, created_at::timestamptz, updated_at::timestamptz,
    expires_at::timestamptz
  FROM input ORDER BY position
),
tag_rows AS (
  INSERT INTO memory_tags (memory_id, tag)
  SELECT i.id, t.tag FROM input i CROSS JOIN LATERAL jsonb_array_elements_text(i.tags::jsonb) AS t(tag)
)
INSERT INTO revisions (id, memory_id, version, operation, content, context_id, tags, metadata,
  author_id, created_at)
SELECT revision_id, id, 1, 'create', content, context_id, tags::jsonb, metadata::jsonb, $15,
  updated_at::timestamptz
FROM input ORDER BY position`;

/**
 * Load JSON Lines into an empty database for one user, with one INSERT statement per batch.
 * Each batch writes the rows that `PostgresStore.importBatch` writes for a first import: the
 * memory with the store's own search vector and word count (`tsvectorLiteral`, `wordCount`),
 * its tags and a `create` revision at version 1. A context is created when the first batch
 * needs it. Lines are parsed with core's `prepareImportLines`, the import's own parser, and
 * memories get their `seq` in line order, as in an import. Throws on a rejected line or a
 * duplicate, because a real import would skip it and the loaded data would then differ.
 */
export async function bulkLoad({ core, sql }, pool, userId, lines, log) {
  const start = performance.now();
  const contextIds = new Map();
  const seen = new Set();
  let loaded = 0;
  let pending;

  for (let offset = 0; offset < lines.length; offset += loadBatchSize) {
    const now = Date.now();
    const prepared = core.prepareImportLines(lines.slice(offset, offset + loadBatchSize), now);
    const records = prepared.map((line, index) => {
      if ('error' in line) {
        throw new Error(`Line ${offset + index + 1} of the data set is invalid: ${line.error}`);
      }
      return line.record;
    });

    for (const record of records) {
      const key = `${record.context}\u0000${record.derived.contentHash}`;
      if (seen.has(key)) {
        throw new Error(
          `The data set repeats a memory in context "${record.context}"; an import would skip it as a duplicate.`,
        );
      }
      seen.add(key);
    }

    // The previous batch runs in PostgreSQL while this one is prepared; wait for it before
    // the next INSERT, so memories keep their line order.
    await pending;
    await ensureContexts(core, pool, userId, records, contextIds, now);
    pending = pool.query(insertBatchSql, batchParameters(core, sql, records, contextIds, userId));
    loaded += records.length;
    if (loaded % 25_000 === 0) {
      log(`  ${loaded.toLocaleString('en-US')} memories prepared`);
    }
  }
  await pending;

  return { memories: loaded, seconds: (performance.now() - start) / 1000 };
}

/** Create the user's contexts named by `records` as the store does: ON CONFLICT DO NOTHING. */
async function ensureContexts(core, pool, userId, records, contextIds, now) {
  const timestamp = new Date(now).toISOString();
  for (const record of records) {
    if (contextIds.has(record.context)) {
      continue;
    }
    await pool.query(
      `INSERT INTO contexts (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4::timestamptz)
       ON CONFLICT (owner_id, name) DO NOTHING`,
      [core.newId(now), record.context, userId, timestamp],
    );
    const { rows } = await pool.query('SELECT id FROM contexts WHERE owner_id = $1 AND name = $2', [
      userId,
      record.context,
    ]);
    contextIds.set(record.context, rows[0].id);
  }
}

function batchParameters(core, sql, records, contextIds, userId) {
  const columns = Array.from({ length: 14 }, () => []);
  for (const record of records) {
    const words = record.derived.searchText;
    const values = [
      record.id,
      contextIds.get(record.context),
      record.content,
      record.derived.contentHash,
      words,
      sql.tsvectorLiteral(words),
      sql.wordCount(words),
      JSON.stringify(record.metadata),
      record.source,
      record.createdAt,
      record.updatedAt,
      record.expiresAt,
      JSON.stringify(record.tags),
      core.newId(Date.now()),
    ];
    values.forEach((value, index) => columns[index].push(value));
  }
  return [...columns, userId];
}

/** VACUUM and ANALYZE the tables, as autovacuum would after a large import. */
export async function vacuumAnalyze(pool) {
  for (const table of ['memories', 'memory_tags', 'revisions', 'contexts']) {
    await pool.query(`VACUUM (ANALYZE) ${table}`);
  }
}

// Every stored field of a memory, its tags and its revisions, except those that differ between
// two imports of the same line by design: generated ids, the owner's id and the time a context
// was created.
const comparableRowsSql = `
SELECT c.name || '/' || m.content_hash AS key,
  json_build_object(
    'context', c.name, 'content', m.content, 'contentHash', m.content_hash,
    'searchText', m.search_text, 'searchVector', m.search_vector::text,
    'wordCount', m.word_count, 'metadata', m.metadata, 'source', m.source,
    'version', m.version, 'createdAt', m.created_at, 'updatedAt', m.updated_at,
    'expiresAt', m.expires_at, 'authoredByOwner', m.author_id = c.owner_id,
    'tags', (SELECT json_agg(t.tag ORDER BY t.tag) FROM memory_tags t WHERE t.memory_id = m.id),
    'revisions', (SELECT json_agg(json_build_object(
        'version', r.version, 'operation', r.operation, 'content', r.content,
        'context', rc.name, 'tags', r.tags, 'metadata', r.metadata,
        'authoredByOwner', r.author_id = c.owner_id, 'createdAt', r.created_at)
      ORDER BY r.version)
      FROM revisions r JOIN contexts rc ON rc.id = r.context_id WHERE r.memory_id = m.id)
  )::text AS row
FROM memories m JOIN contexts c ON c.id = m.context_id
WHERE c.owner_id = $1 AND m.content_hash = ANY($2::text[])`;

async function comparableRows(pool, userId, hashes) {
  const { rows } = await pool.query(comparableRowsSql, [userId, hashes]);
  return new Map(rows.map((row) => [row.key, row.row]));
}

/** Name the fields whose values differ between two rows of `comparableRowsSql`. */
function differingFields(row, other) {
  if (other === undefined) {
    return ['(missing from the bulk load)'];
  }
  const first = JSON.parse(row);
  const second = JSON.parse(other);
  return Object.keys(first).filter(
    (field) => JSON.stringify(first[field]) !== JSON.stringify(second[field]),
  );
}

/**
 * Import `sampleLines` with the store's own `importMemories` into a separate, new database and
 * compare every row it wrote with the rows the bulk load wrote for the same lines in the
 * benchmark database. Returns the number of memories compared and the first differences.
 * `onCreated` receives the new database's `drop`, for a clean-up that may run first.
 */
export async function compareWithStoreImport(
  modules,
  benchPool,
  benchUserId,
  sampleLines,
  onCreated,
) {
  const { core, postgres, pg } = modules;
  const check = await createDatabase(pg, '_check');
  onCreated(() => check.drop());
  const database = new postgres.PostgresDatabase(check.url, { maxConnections: 2 });
  try {
    await database.migrate();
    const checkUserId = core.newId();
    await insertUser(database.pool, checkUserId);

    async function* iterate() {
      yield* sampleLines;
    }
    const start = performance.now();
    const summary = await core.importMemories(database.storeFor(checkUserId), iterate());
    const importSeconds = (performance.now() - start) / 1000;

    const hashes = sampleLines.map((line) => core.contentHash(JSON.parse(line).content));
    const imported = await comparableRows(database.pool, checkUserId, hashes);
    const loaded = await comparableRows(benchPool, benchUserId, hashes);

    const differences = [];
    for (const [key, row] of imported) {
      const other = loaded.get(key);
      if (other !== row && differences.length < 5) {
        differences.push({ memory: key, fields: differingFields(row, other) });
      }
    }
    return {
      sampled: sampleLines.length,
      importedByStore: summary.added,
      storeImportSeconds: importSeconds,
      foundInBulkLoad: [...imported.keys()].filter((key) => loaded.has(key)).length,
      differing: [...imported].filter(([key, row]) => loaded.get(key) !== row).length,
      differences,
    };
  } finally {
    await database.close();
    await check.drop();
  }
}

/**
 * Check that memories got their `seq` in line order: the data set's creation times rise with
 * the line number, so no memory may have an earlier time than the one before it by `seq`.
 */
export async function countOutOfOrder(pool) {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS out_of_order FROM (
       SELECT created_at < lag(created_at) OVER (ORDER BY seq) AS earlier FROM memories
     ) AS ordered WHERE earlier`,
  );
  return rows[0].out_of_order;
}
