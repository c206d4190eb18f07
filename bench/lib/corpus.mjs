// The benchmark corpus: fortune cookies from Debian's fortunes, fortunes-min and fortunes-zh
// packages, turned into import records and into the 10k and 100k data sets.
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { seededRandom, shuffled } from './stats.mjs';

export const fortuneDir = '/usr/share/games/fortunes';
export const fortunePackages = ['fortunes', 'fortunes-min', 'fortunes-zh'];

/** Packages whose entries count as Chinese; every other package is English. */
const chinesePackages = new Set(['fortunes-zh']);

// Every record gets its own creation time, one minute after the previous one, so that ordering
// by time is deterministic and the same in every store built from a set.
const firstCreatedAt = Date.parse('2024-01-01T00:00:00.000Z');
const createdAtStepMs = 60_000;

/**
 * Install the fortune packages when any is missing: `apt-get install`, and when that fails,
 * `apt-get update` and a second install. Returns the names installed; throws with apt-get's
 * output when the packages cannot be installed.
 */
export function ensureFortunes(log) {
  const missing = missingPackages();
  if (missing.length === 0) {
    return [];
  }

  log(`Installing the corpus packages: apt-get install -y ${missing.join(' ')}`);
  let install = aptGet(['install', '-y', ...missing]);
  if (install.status !== 0) {
    log('apt-get install failed; running apt-get update and trying again.');
    const update = aptGet(['update']);
    if (update.status !== 0) {
      throw installError(missing, 'apt-get update', update);
    }
    install = aptGet(['install', '-y', ...missing]);
  }

  const stillMissing = missingPackages();
  if (install.status !== 0 || stillMissing.length > 0) {
    throw installError(
      stillMissing.length > 0 ? stillMissing : missing,
      'apt-get install',
      install,
    );
  }
  return missing;
}

function missingPackages() {
  return fortunePackages.filter((name) => {
    const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    if (query.error) {
      throw new Error(
        `Cannot check for the corpus packages: dpkg-query failed (${query.error.message}). ` +
          `The benchmark reads its corpus from Debian's ${fortunePackages.join(', ')} packages, so it needs a Debian-based system.`,
      );
    }
    return query.status !== 0 || !query.stdout.includes('install ok installed');
  });
}

function aptGet(args) {
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: result.error ? null : result.status,
    output: result.error ? result.error.message : `${result.stdout}\n${result.stderr}`,
  };
}

function installError(packages, command, result) {
  const tail = result.output.trim().split('\n').slice(-8).join('\n');
  return new Error(
    `The benchmark corpus is missing: the Debian packages ${packages.join(', ')} are not installed and ` +
      `"${command}" failed (exit status ${result.status}). Install them as root with ` +
      `"apt-get update && apt-get install -y ${fortunePackages.join(' ')}" and run the benchmark again.\n` +
      `Last lines of apt-get output:\n${tail}`,
  );
}

/**
 * Read every fortune file that the three packages install. Entries are separated by a line
 * holding only `%`. Skipped: `.dat` files (binary indexes of the text files) and `.u8` files,
 * which in these packages are symbolic links to the same text. Entries keep their text as
 * shipped, including the ANSI colour escapes of the Chinese files and the backspace
 * overstrikes of some English ones.
 */
export function readCorpus() {
  const files = [];
  for (const packageName of fortunePackages) {
    const listing = spawnSync('dpkg-query', ['-L', packageName], { encoding: 'utf8' });
    if (listing.status !== 0) {
      throw new Error(`dpkg-query -L ${packageName} failed: ${listing.stderr.trim()}`);
    }
    const paths = listing.stdout
      .split('\n')
      .filter((line) => line.startsWith(`${fortuneDir}/`))
      .sort();
    const listed = new Set(paths);

    for (const filePath of paths) {
      const stats = lstatSync(filePath, { throwIfNoEntry: false });
      if (!stats || !stats.isFile() || filePath.endsWith('.dat')) {
        continue;
      }
      if (filePath.endsWith('.u8') && listed.has(filePath.slice(0, -'.u8'.length))) {
        continue;
      }
      const name = path.relative(fortuneDir, filePath);
      files.push({
        packageName,
        name,
        language: chinesePackages.has(packageName) ? 'zh' : 'en',
        entries: splitEntries(readFileSync(filePath, 'utf8')),
      });
    }
  }

  const entries = files.flatMap((file) =>
    file.entries.map((content, index) => ({
      content,
      file: file.name,
      packageName: file.packageName,
      language: file.language,
      index: index + 1,
    })),
  );
  return { files, entries };
}

function splitEntries(text) {
  return text
    .split(/^%$/m)
    .map((entry) => entry.replace(/^\n/, '').replace(/\n$/, ''))
    .filter((entry) => entry.trim().length > 0);
}

/** Counts that describe the corpus, for the report header. */
export function describeCorpus(corpus, normalizeContent) {
  const byLanguage = {};
  for (const language of ['en', 'zh']) {
    const entries = corpus.entries.filter((entry) => entry.language === language);
    byLanguage[language] = {
      files: corpus.files.filter((file) => file.language === language).length,
      entries: entries.length,
      distinctEntries: new Set(entries.map((entry) => normalizeContent(entry.content))).size,
      withAnsiEscapes: entries.filter((entry) => entry.content.includes('\x1b[')).length,
      withBackspaces: entries.filter((entry) => entry.content.includes('\b')).length,
      meanChars: Math.round(
        entries.reduce((sum, entry) => sum + entry.content.length, 0) / Math.max(1, entries.length),
      ),
    };
  }
  return {
    packages: fortunePackages,
    directory: fortuneDir,
    files: corpus.files.map((file) => ({
      name: file.name,
      packageName: file.packageName,
      language: file.language,
      entries: file.entries.length,
    })),
    entries: corpus.entries.length,
    byLanguage,
  };
}

/** Make one import record. English and Chinese entries go to two contexts, tagged with their file. */
function toRecord(entry, content, position, extraMetadata = {}) {
  return {
    content,
    context: `fortunes-${entry.language}`,
    tags: [entry.file],
    metadata: { file: entry.file, entry: entry.index, ...extraMetadata },
    createdAt: new Date(firstCreatedAt + position * createdAtStepMs).toISOString(),
  };
}

/** Make one record per corpus entry, in file order, duplicates included. */
export function corpusRecords(corpus) {
  return corpus.entries.map((entry, position) => toRecord(entry, entry.content, position));
}

/**
 * Build the data sets. `distinct` is the corpus without entries whose normalized content
 * repeats within its context (the store would count those as duplicates). The large set is
 * the distinct entries followed by joined pairs until it has `largeSize` records. A pair is an
 * entry, a blank line and a second entry of the same language, both picked by a seeded
 * generator, and a pair whose normalized content is already in the set is skipped. The small
 * set is a seeded shuffle of the distinct entries, cut to `smallSize`.
 */
export function buildSets(corpus, normalizeContent, { smallSize, largeSize }) {
  const seen = new Set();
  const distinct = [];
  for (const entry of corpus.entries) {
    const key = `${entry.language}\u0000${normalizeContent(entry.content)}`;
    if (!seen.has(key)) {
      seen.add(key);
      distinct.push(entry);
    }
  }

  const small = shuffled(distinct, seededRandom(1))
    .slice(0, smallSize)
    .map((entry, position) => toRecord(entry, entry.content, position));

  const large = distinct
    .slice(0, largeSize)
    .map((entry, position) => toRecord(entry, entry.content, position));
  const byLanguage = {
    en: distinct.filter((entry) => entry.language === 'en'),
    zh: distinct.filter((entry) => entry.language === 'zh'),
  };
  const random = seededRandom(2);
  let pairs = 0;
  while (large.length < largeSize) {
    const first = distinct[Math.floor(random() * distinct.length)];
    const group = byLanguage[first.language];
    const second = group[Math.floor(random() * group.length)];
    if (second === first) {
      continue;
    }
    const content = `${first.content.trimEnd()}\n\n${second.content.trimStart()}`;
    const key = `${first.language}\u0000${normalizeContent(content)}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    pairs++;
    large.push(
      toRecord(first, content, large.length, { joinedWith: `${second.file}:${second.index}` }),
    );
  }

  return { distinct, small, large, pairs };
}

/** Write records as JSON Lines and return the lines, for the in-process import. */
export function writeJsonLines(file, records) {
  const lines = records.map((record) => JSON.stringify(record));
  writeFileSync(file, `${lines.join('\n')}\n`);
  return lines;
}
