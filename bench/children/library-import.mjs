// Import a JSON Lines file into a new store with core.importMemories, in a process of its own,
// and print the import summary and time as JSON. With --profile, the import runs under the
// CPU profiler and the output adds the sampled time per category.
// Usage: node library-import.mjs FILE DB_FILE [--profile]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { importInProcess, profileImportInProcess } from '../lib/importing.mjs';
import { coreDist, dbDist } from '../lib/paths.mjs';

const [file, dbFile, flag] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const modules = { core: require(coreDist), SqliteStore: require(dbDist).SqliteStore };

// The file ends with a newline, which is not a blank record.
const lines = readFileSync(file, 'utf8').split('\n');
if (lines.at(-1) === '') {
  lines.pop();
}

const result =
  flag === '--profile'
    ? await profileImportInProcess(modules, lines, dbFile)
    : await importInProcess(modules, lines, dbFile);
process.stdout.write(JSON.stringify(result));
