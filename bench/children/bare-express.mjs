// The baseline server: Express 5 (the copy apps/api uses) with one route, `GET /`, returning a
// small JSON object, and no other middleware. Listens on a free port of 127.0.0.1 and writes
// {"url":…} as one line on stdout once it accepts connections.
import { requireFromApi } from '../lib/team-modules.mjs';

const express = requireFromApi('express');

const app = express();
app.get('/', (_request, response) => {
  response.json({ status: 'ok' });
});

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
