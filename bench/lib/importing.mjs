// Import throughput: the library's importMemories, the CLI's `mem0 import`, and measurements
// that show where an import spends its time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { benchDir, cliBin } from './paths.mjs';
import { fileRule, functionRule, timeByCategory, withCpuProfile } from './profile.mjs';
import { median } from './stats.mjs';

/** Rows per transaction in the SQL replay. */
const replayBatchSize = 1_000;

export function removeDatabase(file) {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(`${file}${suffix}`, { force: true });
  }
}

/** Size of a SQLite database with its write-ahead log, in bytes. */
export function databaseBytes(file) {
  return ['', '-wal'].reduce(
    (sum, suffix) => sum + (statSync(`${file}${suffix}`, { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
}

async function* iterate(lines) {
  for (const line of lines) {
    yield line;
  }
}

/**
 * Import JSON Lines held in memory into a new, empty store through `importMemories`, the code
 * behind `mem0 import`, and return the summary and the time. The clock covers the import
 * only: opening the store (which creates the schema) and closing it are outside.
 */
export async function importInProcess({ SqliteStore, core }, lines, dbFile) {
  removeDatabase(dbFile);
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const store = new SqliteStore(dbFile);
  try {
    const start = performance.now();
    // The default batch size, as `mem0 import` uses it.
    const summary = await core.importMemories(store, iterate(lines));
    return { summary, ms: performance.now() - start };
  } finally {
    await store.close();
  }
}

/** Run importInProcess under the CPU profiler and add the sampled time per category. */
export async function profileImportInProcess(modules, lines, dbFile) {
  const { result, profile } = await withCpuProfile(() => importInProcess(modules, lines, dbFile));
  return { ...result, categories: timeByCategory(profile, importRules) };
}

/**
 * Import a JSON Lines file into a new store with the library, in a fresh Node process
 * (children/library-import.mjs), so that every run starts with an empty heap and cold JIT as
 * a real import does. With `profile`, the run is also CPU-profiled.
 */
export function importWithLibrary(file, dbFile, { profile = false } = {}) {
  const args = [path.join(benchDir, 'children/library-import.mjs'), file, dbFile];
  if (profile) {
    args.push('--profile');
  }
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new Error(
      `The library import of ${file} failed with exit status ${child.status}: ${child.stderr.trim().slice(0, 2000)}`,
    );
  }
  const output = JSON.parse(child.stdout);
  // After the child closed the store, so the size is comparable with `mem0 import`'s: the
  // write-ahead log is checkpointed on close.
  return { ...importResult(output.summary, output.ms, dbFile), categories: output.categories };
}

function importResult(summary, ms, dbFile) {
  return {
    lines: summary.lines,
    added: summary.added,
    duplicate: summary.duplicate,
    rejected: summary.rejected,
    firstRejects: summary.rejects.slice(0, 3),
    ms,
    perSecond: summary.lines / (ms / 1000),
    databaseBytes: databaseBytes(dbFile),
  };
}

/** Import the same file `runs` times, each into a new store, and report the median time. */
export function repeatedLibraryImport(file, dbFile, runs) {
  const results = [];
  for (let run = 0; run < runs; run++) {
    results.push(importWithLibrary(file, dbFile));
  }
  const medianMs = median(results.map((result) => result.ms));
  return {
    ...results[0],
    runs: results.map((result) => result.ms),
    ms: medianMs,
    perSecond: results[0].lines / (medianMs / 1000),
  };
}

/**
 * Run `mem0 import FILE --json` in a new process with an empty MEM0_HOME and time the whole
 * process: start-up, schema creation, reading and parsing the file, import and exit.
 */
export function importWithCli(file, home) {
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const start = performance.now();
  const child = spawnSync(process.execPath, [cliBin, 'import', file, '--json'], {
    env: { ...process.env, MEM0_HOME: home },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  if (child.status !== 0) {
    throw new Error(
      `mem0 import ${file} exited with status ${child.status}: ${child.stderr.trim().slice(0, 2000)}`,
    );
  }
  const summary = JSON.parse(child.stdout);
  return importResult(summary, ms, path.join(home, 'mem0.db'));
}

// Categories for the import profile, checked from the sampled function towards the root.
// better-sqlite3 runs statements in native code, which V8 charges to the calling JavaScript
// function. So the time of a store method's own frame is the SQLite work of its statements,
// including the work of any trigger they fire.
const importRules = [
  { name: 'garbage collection', match: (frame) => frame.functionName === '(garbage collector)' },
  functionRule('ids: newId (randomBytes per id)', ['newId'], 'core/dist/ids.js'),
  functionRule(
    'content hash: normalizeContent + SHA-256',
    ['contentHash', 'normalizeContent'],
    'core/dist/text.js',
  ),
  functionRule('validation: zod schemas', ['codePointLength'], 'core/dist/text.js'),
  fileRule('tokenization: searchText (regex, Intl.Segmenter, normalize)', 'core/dist/text.js'),
  fileRule('validation: zod schemas', '/zod/'),
  fileRule('validation: zod schemas', 'core/dist/schemas.js'),
  functionRule('JSON.parse and record defaults (parseImportLine)', ['parseImportLine']),
  functionRule('SQLite: INSERT memory row and its 5 indexes', ['insertMemory'], 'store.js'),
  functionRule('SQLite: INSERT FTS5 row', ['index'], 'store.js'),
  functionRule('SQLite: INSERT revision', ['insertRevision'], 'store.js'),
  functionRule('SQLite: INSERT tags', ['insertTags'], 'store.js'),
  fileRule('SQLite: duplicate checks and other store code', 'db/dist/sqlite/store.js'),
  functionRule(
    'SQLite: transaction control (BEGIN/COMMIT, SAVEPOINT/RELEASE)',
    ['sqliteTransaction'],
    'better-sqlite3/lib/methods/transaction.js',
  ),
  functionRule(
    'better-sqlite3: building db.transaction() wrappers',
    ['transaction', 'getController'],
    'better-sqlite3/lib/methods/transaction.js',
  ),
  fileRule('import loop: importMemories and batching', 'core/dist/use-cases.js'),
  fileRule('bench: async line iterator', '/bench/lib/importing.mjs'),
];

/**
 * Time each step of an import on its own, in µs per record. JavaScript steps run through
 * core's exported functions. The SQL is the store's INSERT statements replayed on a new
 * store's schema, with every value computed beforehand, in transactions of 1,000 rows. Each
 * SQL variant adds or removes one thing: a savepoint per record (importBatch's fallback when
 * a record in a batch fails), writing the FTS5 row from an AFTER INSERT trigger instead of a
 * separate INSERT, or the tags and revision rows.
 */
export function measureImportSteps({ SqliteStore, core }, lines, records, dataDir) {
  const perRecordUs = (ms, count) => (ms * 1000) / count;
  const timeLoop = (items, work) => {
    // A first pass over some items lets V8 optimize `work` before the clock starts.
    for (const item of items.slice(0, 2_000)) {
      work(item);
    }
    const start = performance.now();
    for (const item of items) {
      work(item);
    }
    return perRecordUs(performance.now() - start, items.length);
  };

  const english = records.filter((record) => record.context === 'fortunes-en');
  const chinese = records.filter((record) => record.context === 'fortunes-zh');
  const steps = {
    parseImportLineUs: timeLoop(lines, (line) => core.parseImportLine(line)),
    jsonParseUs: timeLoop(lines, (line) => JSON.parse(line)),
    searchTextEnglishUs: timeLoop(english, (record) => core.searchText(record.content)),
    searchTextChineseUs: timeLoop(chinese, (record) => core.searchText(record.content)),
    contentHashUs: timeLoop(records, (record) => core.contentHash(record.content)),
    newIdUs: timeLoop(records, () => core.newId()),
  };
  const objects = lines.map((line) => JSON.parse(line));
  steps.zodImportRecordUs = timeLoop(objects, (object) =>
    core.parseInput(core.importRecordSchema, object),
  );
  const scratch = new SqliteStore(':memory:');
  steps.transactionWrapperUs = timeLoop(records, () => scratch.database.transaction(() => {}));
  scratch.close();

  const prepared = records.map((record) => ({
    id: core.newId(),
    revisionId: core.newId(),
    content: record.content,
    hash: core.contentHash(record.content),
    searchText: core.searchText(record.content),
    metadata: JSON.stringify(record.metadata),
    tags: record.tags,
    tagsJson: JSON.stringify(record.tags),
    createdAt: record.createdAt,
  }));
  const unique = [...new Map(prepared.map((row) => [row.hash, row])).values()];

  // With `fts: 'statement'` a separate INSERT writes the FTS5 row after each memory. With
  // 'trigger' an AFTER INSERT trigger on memories writes it. With 'none' no FTS5 row is written.
  const variants = [
    {
      name: 'one transaction per batch, FTS5 row by separate INSERT',
      savepoints: false,
      related: true,
      fts: 'statement',
    },
    {
      name: 'SAVEPOINT per record, FTS5 row by separate INSERT',
      savepoints: true,
      related: true,
      fts: 'statement',
    },
    {
      name: 'one transaction per batch, FTS5 row by trigger',
      savepoints: false,
      related: true,
      fts: 'trigger',
    },
    {
      name: 'SAVEPOINT per record, FTS5 row by trigger',
      savepoints: true,
      related: true,
      fts: 'trigger',
    },
    {
      name: 'one transaction per batch, no FTS5 row',
      savepoints: false,
      related: true,
      fts: 'none',
    },
    {
      name: 'one transaction per batch, no FTS5 row, no tags or revision',
      savepoints: false,
      related: false,
      fts: 'none',
    },
  ];
  const sql = variants.map((variant) => ({
    ...variant,
    rows: unique.length,
    perRowUs: replayInserts(SqliteStore, unique, variant, path.join(dataDir, 'sql-replay.db')),
  }));

  return {
    records: records.length,
    englishRecords: english.length,
    chineseRecords: chinese.length,
    steps,
    sql,
  };
}

function replayInserts(SqliteStore, rows, variant, dbFile) {
  removeDatabase(dbFile);
  const store = new SqliteStore(dbFile);
  const db = store.database;
  try {
    // Schemas before migration 0002 write the FTS5 row from this trigger, later ones from the
    // store. The replay sets up what the variant needs, whichever schema the store created.
    db.exec('DROP TRIGGER IF EXISTS memories_fts_after_insert');
    if (variant.fts === 'trigger') {
      db.exec(
        `CREATE TRIGGER memories_fts_after_insert AFTER INSERT ON memories BEGIN
           INSERT INTO memories_fts (rowid, search_text) VALUES (new.seq, new.search_text);
         END`,
      );
    }
    const contextId = db.prepare("SELECT id FROM contexts WHERE name = 'default'").pluck().get();
    const insertMemory = db.prepare(
      `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
         metadata, source, version, created_at, updated_at, expires_at)
       VALUES (?, ?, 'local', ?, ?, ?, ?, 'import', 1, ?, ?, NULL)`,
    );
    const insertFts = db.prepare('INSERT INTO memories_fts (rowid, search_text) VALUES (?, ?)');
    const insertTag = db.prepare('INSERT INTO memory_tags (memory_id, tag) VALUES (?, ?)');
    const insertRevision = db.prepare(
      `INSERT INTO revisions (id, memory_id, version, operation, content, context_id, tags,
         metadata, author_id, created_at)
       VALUES (?, ?, 1, 'create', ?, ?, ?, ?, 'local', ?)`,
    );

    const insertRow = (row) => {
      const { lastInsertRowid } = insertMemory.run(
        row.id,
        contextId,
        row.content,
        row.hash,
        row.searchText,
        row.metadata,
        row.createdAt,
        row.createdAt,
      );
      if (variant.fts === 'statement') {
        insertFts.run(lastInsertRowid, row.searchText);
      }
      if (variant.related) {
        for (const tag of row.tags) {
          insertTag.run(row.id, tag);
        }
        insertRevision.run(
          row.revisionId,
          row.id,
          row.content,
          contextId,
          row.tagsJson,
          row.metadata,
          row.createdAt,
        );
      }
    };
    // Inside the batch transaction, a better-sqlite3 transaction function runs as a savepoint.
    const insertRowInSavepoint = db.transaction(insertRow);
    const insertBatch = db.transaction((batch) => {
      for (const row of batch) {
        if (variant.savepoints) {
          insertRowInSavepoint(row);
        } else {
          insertRow(row);
        }
      }
    });

    const start = performance.now();
    for (let offset = 0; offset < rows.length; offset += replayBatchSize) {
      insertBatch.immediate(rows.slice(offset, offset + replayBatchSize));
    }
    return ((performance.now() - start) * 1000) / rows.length;
  } finally {
    store.close();
    removeDatabase(dbFile);
  }
}
