// CPU time per process group during a measurement window, read from /proc, so the report can
// show which process used the 2 cores: the server, PostgreSQL, the load generator or others.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { readCpuTicks } from './machine.mjs';

/**
 * Read the user and system CPU time of one process in clock ticks from /proc/PID/stat.
 * Returns undefined when the process is gone or /proc is not available.
 */
export function readProcessTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name start with field 3 (state), so utime and stime
    // (fields 14 and 15) are at indexes 11 and 12.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return fields[11] + fields[12];
  } catch {
    return undefined;
  }
}

/**
 * List the PostgreSQL processes to watch: the backends connected to the benchmark database
 * (other than the monitor's own connection) and the server's background processes, such as
 * the WAL writer and autovacuum, which work for every database. Client backends of other
 * databases belong to other users of the server and count as other processes.
 */
export async function postgresProcesses(monitor, databaseName) {
  const { rows } = await monitor.query(
    `SELECT pid, backend_type = 'client backend' AS client FROM pg_stat_activity
     WHERE pid <> pg_backend_pid()
       AND (datname = $1 OR backend_type <> 'client backend')`,
    [databaseName],
  );
  return {
    backends: rows.filter((row) => row.client).map((row) => row.pid),
    background: rows.filter((row) => !row.client).map((row) => row.pid),
  };
}

/** Take a snapshot of the machine's busy CPU ticks and of each process in `groups` (`{ name: [pid, …] }`). */
export function cpuSnapshot(groups) {
  const ticks = {};
  for (const [name, pids] of Object.entries(groups)) {
    ticks[name] = Object.fromEntries(pids.map((pid) => [pid, readProcessTicks(pid)]));
  }
  return { at: performance.now(), machine: readCpuTicks()?.machine, ticks };
}

/**
 * Compute the mean cores each group used between two snapshots, and what the rest of the
 * machine used. A process present only in the second snapshot started during the window, so
 * all its CPU time counts. A process that ended during the window is left out, because its
 * last reading is missing. Linux reports ticks of 1/100 s (USER_HZ, the usual value).
 */
export function cpuBetween(before, after) {
  const seconds = (after.at - before.at) / 1000;
  const cores = {};
  let tracked = 0;
  for (const [name, pids] of Object.entries(after.ticks)) {
    let ticks = 0;
    for (const [pid, end] of Object.entries(pids)) {
      if (end === undefined) {
        continue;
      }
      ticks += end - (before.ticks[name]?.[pid] ?? 0);
    }
    tracked += ticks;
    cores[name] = ticks / 100 / seconds;
  }
  const machine =
    before.machine === undefined || after.machine === undefined
      ? null
      : (after.machine - before.machine) / 100 / seconds;
  return {
    seconds,
    cores,
    machineCores: machine,
    otherCores: machine === null ? null : Math.max(0, machine - tracked / 100 / seconds),
  };
}

/** Measure the cores that every process but this one used over `ms` milliseconds. */
export async function measureOutsideLoad(ms) {
  const before = cpuSnapshot({ self: [process.pid] });
  await sleep(ms);
  const after = cpuSnapshot({ self: [process.pid] });
  return cpuBetween(before, after).otherCores;
}
