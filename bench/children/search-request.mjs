// One process, one search over HTTP, without the CLI: POST /v1/search to the team server with
// the body that `mem0 search` sends, through Node's fetch or through node:http, and print the
// timings and the number of hits as JSON. The server URL and the API key come from
// BENCH_SERVER_URL and BENCH_API_KEY, so the key is not visible in the process list. With a
// count above 1, the search is sent that many times in a row on one keep-alive connection.
// Usage: node search-request.mjs fetch|http QUERY [COUNT]
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

const scriptStartMs = performance.now();
const [client, query, countArgument = '1'] = process.argv.slice(2);
const count = Number(countArgument);
const { BENCH_SERVER_URL: server, BENCH_API_KEY: apiKey } = process.env;
if (!server || !apiKey || !['fetch', 'http'].includes(client) || !query || !(count >= 1)) {
  process.stderr.write(
    'Usage: BENCH_SERVER_URL=URL BENCH_API_KEY=KEY node search-request.mjs fetch|http QUERY [COUNT]\n',
  );
  process.exit(2);
}

const url = new URL('/v1/search', server);
const body = JSON.stringify({ query });
const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

async function sendWithFetch() {
  const response = await globalThis.fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.json() };
}

const agent = new http.Agent({ keepAlive: true });

function sendWithHttp() {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(text) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

const requestMs = [];
let hits = 0;
for (let index = 0; index < count; index++) {
  const start = performance.now();
  const response = client === 'fetch' ? await sendWithFetch() : await sendWithHttp();
  requestMs.push(performance.now() - start);
  if (response.status !== 200) {
    process.stderr.write(`POST /v1/search failed with status ${response.status}\n`);
    process.exit(1);
  }
  hits = response.body.items.length;
}
agent.destroy();

process.stdout.write(JSON.stringify({ bootMs: scriptStartMs, requestMs, hits }));
