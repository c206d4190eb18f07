// Whole-process wall time of short commands, measured from this process around spawnSync.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { round, summarize } from './stats.mjs';

/**
 * Run each command `warmup + rounds` times, interleaved: every round runs every command once,
 * starting with a different command each round, so that drift in machine load reaches all
 * commands alike. Warm-up rounds fill the page cache and are not counted. A command that
 * fails is reported with its output and left out of later rounds; the others go on.
 *
 * Each command is `{ name, args, env?, parseOutput? }` and runs as `node ...args`. When
 * `parseOutput` is set, the command's stdout is parsed as JSON and kept for each counted run.
 */
export function measureProcesses(commands, { rounds, warmup }) {
  const state = commands.map(() => ({ wallMs: [], outputs: [], failure: undefined }));

  for (let round = 0; round < warmup + rounds; round++) {
    for (let step = 0; step < commands.length; step++) {
      const index = (round + step) % commands.length;
      const command = commands[index];
      if (state[index].failure) {
        continue;
      }

      const start = performance.now();
      const child = spawnSync(process.execPath, command.args, {
        env: command.env ?? process.env,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      const ms = performance.now() - start;

      if (child.error || child.status !== 0) {
        state[index].failure = {
          status: child.status,
          error: child.error?.message,
          stderr: child.stderr?.trim().slice(0, 4000),
        };
        continue;
      }
      if (round < warmup) {
        continue;
      }
      state[index].wallMs.push(ms);
      if (command.parseOutput) {
        state[index].outputs.push(JSON.parse(child.stdout));
      }
    }
  }

  return commands.map((command, index) => {
    const { wallMs, outputs, failure } = state[index];
    const summary = wallMs.length > 0 ? summarize(wallMs) : undefined;
    return {
      name: command.name,
      command: `node ${command.args.join(' ')}`,
      runs: wallMs.length,
      failure,
      medianMs: summary && round(summary.p50, 1),
      p90Ms: summary && round(summary.p90, 1),
      minMs: summary && round(summary.min, 1),
      maxMs: summary && round(summary.max, 1),
      outputs,
    };
  });
}
