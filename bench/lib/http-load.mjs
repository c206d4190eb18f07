// Run the measuring child processes (children/http-load.mjs and children/search-sql.mjs) and
// record the CPU time of every process involved during their measured window.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { benchDir } from './paths.mjs';
import { cpuBetween, cpuSnapshot } from './process-cpu.mjs';

/**
 * Run `script` with `job` as JSON on its stdin. Between the child's `measure-start` and
 * `measure-end` lines, the CPU time of the groups returned by `cpuGroups(childPid)` is
 * recorded, and the child waits for each reading (see child-channel.mjs). Resolves with the
 * child's `result` event and that CPU record.
 */
export function runMeasuringChild(script, job, cpuGroups, children) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDir, 'children', script)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);

    let stdout = '';
    let stderr = '';
    let result;
    let window = Promise.resolve({});
    const reply = () => {
      if (child.stdin.writable) {
        child.stdin.write('continue\n');
      }
    };
    const onEvent = (event) => {
      if (event.event === 'measure-start') {
        window = cpuGroups(child.pid).then((groups) => {
          const before = cpuSnapshot(groups);
          reply();
          return { before };
        });
      } else if (event.event === 'measure-end') {
        window = window.then(async ({ before }) => {
          const cpu = cpuBetween(before, cpuSnapshot(await cpuGroups(child.pid)));
          reply();
          child.stdin.end();
          return { cpu };
        });
      } else if (event.event === 'result') {
        result = event;
      }
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      let newline;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line.trim() !== '') {
          onEvent(JSON.parse(line));
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code !== 0 || result === undefined) {
        reject(
          new Error(
            `bench/children/${script} failed (exit status ${code ?? signal}): ${stderr.trim().slice(-2000)}`,
          ),
        );
        return;
      }
      window.then(({ cpu }) => resolve({ ...result, cpu }), reject);
    });

    child.stdin.on('error', () => undefined);
    child.stdin.write(`${JSON.stringify(job)}\n`);
  });
}

/**
 * Run one HTTP load: `targets` (`[{ url, connections }]`) get one autocannon instance each,
 * all at the same time, for a warm-up and then the measured `durationSeconds`.
 */
export function runHttpLoad(job, cpuGroups, children) {
  return runMeasuringChild('http-load.mjs', job, cpuGroups, children);
}

/** Capture and time the SQL of the benchmark searches without the HTTP server. */
export function runSearchSql(job, cpuGroups, children) {
  return runMeasuringChild('search-sql.mjs', job, cpuGroups, children);
}
