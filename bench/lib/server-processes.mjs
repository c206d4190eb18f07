// Start and stop the servers under test: `mem0-server` in team mode and the bare Express
// baseline, each as a child process listening on a free port of 127.0.0.1.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';

import { benchDir } from './paths.mjs';
import { serverBin } from './team-modules.mjs';

/** Request budgets far above what the benchmark sends, so that no limiter rejects a request. */
export const unlimitedRateLimits = {
  MEM0_RATE_LIMIT_WINDOW: '1m',
  MEM0_RATE_LIMIT_MAX: '1000000',
  MEM0_RATE_LIMIT_IP_MAX: '1000000',
  MEM0_RATE_LIMIT_LOGIN_IP_MAX: '100000',
  MEM0_RATE_LIMIT_LOGIN_MAX: '100000',
};

const startTimeoutMs = 30_000;
const stopTimeoutMs = 15_000;

/**
 * Build the environment of a server child: this process's environment without any setting of
 * mem0-server, plus `settings`. So a DATABASE_URL, REDIS_URL or TLS file of the user cannot
 * change what is measured.
 */
function serverEnvironment(settings) {
  const serverVariables = /^(MEM0_|DATABASE_URL$|REDIS_URL$|HOST$|PORT$|LOG_LEVEL$)/;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !serverVariables.test(name)),
  );
  return { ...env, ...settings };
}

/** Wait until `child` exits, or `ms` pass; resolves true when it exited. */
function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return Promise.race([
    new Promise((resolve) => child.once('exit', () => resolve(true))),
    // An unreferenced timer, so a child that exits in time does not keep this process alive.
    sleep(ms, false, { ref: false }),
  ]);
}

/** Stop a child with SIGTERM, and with SIGKILL when it has not exited after the timeout. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.kill('SIGTERM');
  if (!(await waitForExit(child, stopTimeoutMs))) {
    child.kill('SIGKILL');
    await waitForExit(child, stopTimeoutMs);
  }
}

/**
 * Start `mem0-server` in team mode on `databaseUrl`, on a free port of 127.0.0.1, with its log
 * lines (JSON, level info) written to `logFile`. Resolves once its "listening" line is logged.
 */
export async function startMem0Server({ databaseUrl, jwtSecret, logFile }, children) {
  const log = openSync(logFile, 'w');
  let child;
  try {
    child = spawn(process.execPath, [serverBin], {
      stdio: ['ignore', log, log],
      env: serverEnvironment({
        DATABASE_URL: databaseUrl,
        MEM0_JWT_SECRET: jwtSecret,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        ...unlimitedRateLimits,
      }),
    });
  } finally {
    closeSync(log);
  }
  children.add(child);
  child.once('exit', () => children.delete(child));

  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    const text = readFileSync(logFile, 'utf8');
    const listening = text
      .split('\n')
      .filter((line) => line.includes('"msg":"listening"'))
      .map((line) => JSON.parse(line))[0];
    if (listening) {
      return { child, pid: child.pid, url: listening.url, logFile };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `mem0-server exited during start-up (${child.exitCode ?? child.signalCode}). Last lines of ${logFile}:\n${text.trim().split('\n').slice(-10).join('\n')}`,
      );
    }
    await sleep(50);
  }
  await stopChild(child);
  throw new Error(
    `mem0-server did not report "listening" within ${startTimeoutMs / 1000} s; see ${logFile}.`,
  );
}

/** Start the bare Express baseline (children/bare-express.mjs); resolves with its URL. */
export function startBareExpress(children) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDir, 'children/bare-express.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('error', reject);

    let output = '';
    child.stdout.setEncoding('utf8');
    const onData = (chunk) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline >= 0) {
        child.stdout.off('data', onData);
        // Keep reading, so a later write cannot block the child on a full pipe.
        child.stdout.resume();
        resolve({ child, pid: child.pid, url: JSON.parse(output.slice(0, newline)).url });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The bare Express server exited (${code}).`)));
  });
}

/**
 * Send a JSON request to one of the benchmark's own servers and return the parsed response
 * body. Throws with the status and the problem's detail or title unless the status is 2xx.
 */
export async function requestJson(url, { method = 'POST', body, token } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  const response = await globalThis.fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const problem = safeJson(text);
    throw new Error(
      `${method} ${new URL(url).pathname} failed with status ${response.status}: ${problem?.detail ?? problem?.title ?? text.slice(0, 200)}`,
    );
  }
  return safeJson(text);
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
