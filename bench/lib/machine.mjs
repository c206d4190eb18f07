// The machine and software versions that a benchmark run reports with its figures.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { repoRoot, requireFromDb } from './paths.mjs';

export function describeMachine() {
  const cpus = os.cpus();
  const Database = requireFromDb('better-sqlite3');
  const memory = new Database(':memory:');
  const sqliteVersion = memory.prepare('SELECT sqlite_version()').pluck().get();
  memory.close();

  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${readOsName()} (${os.type()} ${os.release()}, ${os.arch()})`,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    betterSqlite3: readPackageVersion(
      path.dirname(requireFromDb.resolve('better-sqlite3/package.json')),
    ),
    sqlite: sqliteVersion,
    commit: gitOutput(['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: gitOutput(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

function readOsName() {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

function readPackageVersion(dir) {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

/** Output of a read-only git command in the repository, or undefined when git fails. */
function gitOutput(args) {
  const result = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Read CPU time in clock ticks: the busy time of the whole machine from /proc/stat, and the
 * time of this process and its waited-for children from /proc/self/stat. Returns undefined
 * where /proc is not available.
 */
export function readCpuTicks() {
  try {
    const machineLine = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq] = machineLine
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const selfStat = readFileSync('/proc/self/stat', 'utf8');
    // The fields after the command name start with field 3 (state), so utime (field 14),
    // stime, cutime and cstime (fields 15 to 17) are at indexes 11 to 14.
    const fields = selfStat
      .slice(selfStat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return {
      machine: user + nice + system + irq + softirq,
      own: fields[11] + fields[12] + fields[13] + fields[14],
    };
  } catch {
    return undefined;
  }
}

/**
 * Estimate the CPU seconds that other processes used between two readCpuTicks snapshots.
 * Linux reports both files in USER_HZ ticks, assumed here to be 1/100 s (the usual value).
 */
export function otherCpuSeconds(before, after) {
  if (!before || !after) {
    return null;
  }
  const ticks = after.machine - before.machine - (after.own - before.own);
  return Math.max(0, ticks) / 100;
}

const builtPackages = ['packages/core', 'packages/db', 'apps/cli'];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      newest = Math.max(newest, statSync(file).mtimeMs);
    }
  }
  return newest;
}

/**
 * List the workspace packages whose newest file under src/ is newer than their newest file
 * under dist/, which means the benchmark would measure code older than the sources.
 */
export function findStaleBuilds() {
  return builtPackages.filter((packageDir) => {
    const root = path.join(repoRoot, packageDir);
    return newestMtime(path.join(root, 'src')) > newestMtime(path.join(root, 'dist'));
  });
}

/** Return the modification time of the newest built file, to detect a rebuild during a run. */
export function newestBuildMtime() {
  return Math.max(
    ...builtPackages.map((packageDir) => newestMtime(path.join(repoRoot, packageDir, 'dist'))),
  );
}
