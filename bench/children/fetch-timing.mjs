// Preloaded with `node --import` into a `mem0` process to show where its time goes. It records
// when the preload ran (the end of Node's own start-up), when each fetch started, when its
// response headers arrived, the last write to stdout and the exit event. All marks are
// milliseconds since the process started (performance.timeOrigin), and at exit they are
// written as JSON to BENCH_TIMING_FILE.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const timing = { preloadMs: performance.now(), fetches: [] };
const originalFetch = globalThis.fetch;

globalThis.fetch = async function timedFetch(...args) {
  const entry = { startMs: performance.now() };
  timing.fetches.push(entry);
  const response = await originalFetch.apply(this, args);
  entry.headersMs = performance.now();
  entry.status = response.status;
  return response;
};

const originalWrite = process.stdout.write;
process.stdout.write = function timedWrite(...args) {
  timing.lastWriteMs = performance.now();
  return originalWrite.apply(this, args);
};

process.on('exit', () => {
  timing.exitMs = performance.now();
  writeFileSync(process.env.BENCH_TIMING_FILE, JSON.stringify(timing));
});
