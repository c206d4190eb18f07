// Drive HTTP load with autocannon in a process of its own, so that the benchmark runner's heap
// (the corpus and data sets) cannot lengthen garbage-collection pauses of the load generator.
// Reads one JSON job on stdin (see bench/lib/http-load.mjs) and writes JSON lines on stdout:
// {"event":"measure-start"} and {"event":"measure-end"} around the measured window, then
// {"event":"result",…} (see bench/lib/child-channel.mjs). The job can contain a bearer
// credential, so it never comes through argv.
import { createRequire } from 'node:module';
import path from 'node:path';

import { repoRoot } from '../lib/paths.mjs';
import { openParentChannel } from '../lib/child-channel.mjs';
import { summarizeLatencies } from '../lib/latency.mjs';

const require = createRequire(path.join(repoRoot, 'package.json'));
const autocannon = require('autocannon');

const parent = openParentChannel();
const job = await parent.job();

/**
 * Build the request body generator of the job: the next query of the rotating list for a
 * search, a content no other request of the run has used for an add, or a fixed body.
 */
function bodyMaker(body, phase) {
  if (body === undefined) {
    return undefined;
  }
  if (body.kind === 'search') {
    let next = 0;
    return () =>
      JSON.stringify({ query: body.queries[next++ % body.queries.length], limit: body.limit });
  }
  if (body.kind === 'add') {
    let next = 0;
    return () => {
      const text = body.texts[next % body.texts.length];
      const content = `${text}\n\n(load test ${body.label}-${phase} #${next++})`;
      return JSON.stringify({ content, context: body.context, tags: body.tags });
    };
  }
  throw new Error(`Unknown body kind "${body.kind}".`);
}

/**
 * Run one autocannon instance per target at the same time for `seconds`, and return each
 * instance's result and the latency of every response it received, in milliseconds.
 */
async function runTargets(seconds, phase) {
  const runs = job.targets.map((target, index) => {
    const makeBody = bodyMaker(job.body, `${phase}${index}`);
    const latencies = [];
    const statusCodes = {};
    const request = {
      method: job.method,
      path: job.path,
      headers: job.headers,
    };
    if (makeBody) {
      request.setupRequest = (raw) => ({ ...raw, body: makeBody() });
    }
    const instance = autocannon({
      url: target.url,
      connections: target.connections,
      duration: seconds,
      requests: [request],
      timeout: 10,
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
    return instance.then((result) => ({ result, latencies, statusCodes }));
  });
  return Promise.all(runs);
}

if (job.warmupSeconds > 0) {
  await runTargets(job.warmupSeconds, 'warmup');
}
await parent.mark('measure-start');
const runs = await runTargets(job.durationSeconds, 'measured');
await parent.mark('measure-end');

const latencies = runs.flatMap((run) => run.latencies);
const statusCodes = {};
for (const run of runs) {
  for (const [code, count] of Object.entries(run.statusCodes)) {
    statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
}
const perTarget = runs.map(({ result, latencies: values }) => ({
  url: result.url,
  connections: result.connections,
  seconds: result.duration,
  responses: values.length,
  requestsPerSecond: values.length / result.duration,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  p50: summarizeLatencies(values).p50,
}));
const latency = summarizeLatencies(latencies);
parent.emit({
  event: 'result',
  autocannon: require('autocannon/package.json').version,
  connections: perTarget.reduce((sum, target) => sum + target.connections, 0),
  responses: latencies.length,
  // Each instance's responses divided by its own run time, summed over the instances.
  requestsPerSecond: perTarget.reduce((sum, target) => sum + target.requestsPerSecond, 0),
  errors: perTarget.reduce((sum, target) => sum + target.errors, 0),
  timeouts: perTarget.reduce((sum, target) => sum + target.timeouts, 0),
  non2xx: perTarget.reduce((sum, target) => sum + target.non2xx, 0),
  statusCodes,
  latencyMs: {
    mean: latency.mean,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
  },
  perTarget,
});
