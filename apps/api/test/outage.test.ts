import request from 'supertest';

import { createLogger } from '../src/index.js';
import { expectProblem, LogCapture, sleep } from './helpers.js';
import { simpleQueryMessage, TcpProxy } from './tcp-proxy.js';
import {
  adminUrl,
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type TeamServer,
  type TemporaryDatabase,
  testPassword,
} from './team-server.js';

interface MemoryBody {
  id: string;
  content: string;
  tags: string[];
  version: number;
}

interface RevisionBody {
  version: number;
  operation: string;
  content: string;
  tags: string[];
}

/** What the server acknowledged with a 2xx: the memory as its last write left it. */
interface AcknowledgedWrite {
  id: string;
  content: string;
  tags: string[];
  version: number;
}

/** Check the parts of a 503 that a client needs to retry. */
function expectUnavailable(response: request.Response, proxyPort: number): void {
  const problem = expectProblem(response, 503, 'store_unavailable');
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  // The driver's message can name the host and port; the client must not see it.
  expect(JSON.stringify(problem)).not.toContain(String(proxyPort));
  expect(JSON.stringify(problem)).not.toMatch(/ECONNREFUSED|terminated/i);
}

describe('team server when PostgreSQL goes away and comes back', () => {
  const postgresServer = new URL(adminUrl);
  const proxy = new TcpProxy(postgresServer.hostname, Number(postgresServer.port || 5432));
  const idleErrors: Error[] = [];
  const logs = new LogCapture();
  let temporary: TemporaryDatabase;
  let team: TeamServer;
  let token: string;
  let refreshToken: string;
  const acknowledged = new Map<string, AcknowledgedWrite>();

  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    await proxy.start();

    const viaProxy = new URL(temporary.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    team = await startTeamServer(viaProxy.toString(), {
      database: {
        connectionTimeoutMs: 1_000,
        maxConnections: 6,
        onIdleError: (error) => idleErrors.push(error),
      },
      app: { logger: createLogger({ level: 'warn', name: 'test', destination: logs }) },
    });
  });

  afterAll(async () => {
    await proxy.stop();
    await team?.close();
    await temporary?.drop();
  });

  const auth = () => bearerHeader(token);

  /** The id of the memory acknowledged `index`-th, counting from 0. */
  const acknowledgedId = (index: number) => [...acknowledged.keys()][index]!;

  const addMemory = (content: string, tags: string[] = []) =>
    request(team.url).post('/v1/memories').set(auth()).send({ content, tags });

  it('serves writes while the database is reachable', async () => {
    const tokens = await registerUser(team.url, 'ops@example.com');
    token = tokens.accessToken;
    refreshToken = tokens.refreshToken;

    for (let index = 0; index < 6; index++) {
      const content = `nightly backup check number ${index}`;
      const response = await addMemory(content, ['backup']);
      expect(response.status).toBe(201);
      const memory = response.body as MemoryBody;
      acknowledged.set(memory.id, { id: memory.id, content, tags: ['backup'], version: 1 });
    }

    const [first] = acknowledged.values();
    const patched = await request(team.url)
      .patch(`/v1/memories/${first!.id}`)
      .set(auth())
      .send({ content: 'nightly backup check, edited once' });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);
    acknowledged.set(first!.id, {
      ...first!,
      content: 'nightly backup check, edited once',
      version: 2,
    });

    // A busy server keeps several connections open; the outage must also end the idle ones.
    await Promise.all(Array.from({ length: 5 }, () => team.database.pool.query('SELECT 1')));
    expect(team.database.pool.idleCount).toBeGreaterThanOrEqual(5);
  });

  // Three writes and a read are caught by the outage at chosen points of their transactions.
  const cutBeforeRevision = 'written while the link dropped before its revision';
  const cutAtCommitReply = 'written while the link dropped after its commit';
  let patchedWhileCut: AcknowledgedWrite;

  it('fails requests in flight with 503 when the database goes away', async () => {
    const revisionInsert = Buffer.from('INSERT INTO revisions');

    const addTripped = proxy.inject({ clientSends: revisionInsert });
    const add = addMemory(cutBeforeRevision, ['cut']).then((response) => response);
    await addTripped;

    patchedWhileCut = [...acknowledged.values()][1]!;
    const patchTripped = proxy.inject({ clientSends: revisionInsert });
    const patch = request(team.url)
      .patch(`/v1/memories/${patchedWhileCut.id}`)
      .set(auth())
      .send({ content: 'this edit never reached the database' })
      .then((response) => response);
    await patchTripped;

    const commitTripped = proxy.inject({
      clientSends: simpleQueryMessage('COMMIT'),
      forwardMatch: true,
    });
    const committed = addMemory(cutAtCommitReply, ['cut']).then((response) => response);
    await commitTripped;

    // A read whose query is on its way when the link drops.
    const listTripped = proxy.inject({
      clientSends: Buffer.from('json_agg(t.tag ORDER BY t.tag)'),
    });
    const list = request(team.url)
      .get('/v1/memories')
      .set(auth())
      .then((response) => response);
    await listTripped;

    await proxy.stop();

    for (const response of await Promise.all([add, patch, committed, list])) {
      expectUnavailable(response, proxy.port);
    }
  });

  // These requests fail at authentication, which reads the session from the database. The
  // requests in flight above reach the store itself.
  it.each([
    ['add', () => addMemory('added during the outage')],
    ['list', () => request(team.url).get('/v1/memories').set(auth())],
    [
      'get',
      () =>
        request(team.url)
          .get(`/v1/memories/${acknowledgedId(2)}`)
          .set(auth()),
    ],
    [
      'history',
      () =>
        request(team.url)
          .get(`/v1/memories/${acknowledgedId(2)}/history`)
          .set(auth()),
    ],
    [
      'update',
      () =>
        request(team.url)
          .patch(`/v1/memories/${acknowledgedId(3)}`)
          .set(auth())
          .send({ content: 'edited during the outage' }),
    ],
    [
      'delete',
      () =>
        request(team.url)
          .delete(`/v1/memories/${acknowledgedId(4)}`)
          .set(auth()),
    ],
    ['search', () => request(team.url).post('/v1/search').set(auth()).send({ query: 'backup' })],
    ['contexts', () => request(team.url).get('/v1/contexts').set(auth())],
    ['me', () => request(team.url).get('/v1/me').set(auth())],
    [
      'login',
      () =>
        request(team.url)
          .post('/v1/auth/login')
          .send({ email: 'ops@example.com', password: testPassword }),
    ],
    [
      'register',
      () =>
        request(team.url)
          .post('/v1/auth/register')
          .send({ email: 'late@example.com', password: testPassword }),
    ],
    ['refresh', () => request(team.url).post('/v1/auth/refresh').send({ refreshToken })],
  ])('%s returns 503 during the outage', async (_name, send) => {
    expectUnavailable(await send(), proxy.port);
  });

  it('is not ready but healthy during the outage', async () => {
    const ready = await request(team.url).get('/readyz');
    expectUnavailable(ready, proxy.port);

    const health = await request(team.url).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('logs the outage and reports dropped idle connections', async () => {
    const warnings = logs.records().filter((record) => (record.level as number) >= 40);
    expect(warnings.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(testPassword);
    expect(idleErrors.length).toBeGreaterThan(0);
  });

  it('recovers without a restart when the database returns', async () => {
    await proxy.start();

    let ready = await request(team.url).get('/readyz');
    for (let attempt = 0; attempt < 50 && ready.status !== 200; attempt++) {
      await sleep(100);
      ready = await request(team.url).get('/readyz');
    }
    expect(ready.status).toBe(200);

    const content = 'written after the database came back';
    const added = await addMemory(content);
    expect(added.status).toBe(201);
    acknowledged.set(added.body.id as string, {
      id: added.body.id as string,
      content,
      tags: [],
      version: 1,
    });

    const search = await request(team.url)
      .post('/v1/search')
      .set(auth())
      .send({ query: 'came back' });
    expect(search.status).toBe(200);

    const login = await request(team.url)
      .post('/v1/auth/login')
      .send({ email: 'ops@example.com', password: testPassword });
    expect(login.status).toBe(200);
  });

  const listAll = async (): Promise<MemoryBody[]> => {
    const response = await request(team.url).get('/v1/memories?limit=100').set(auth());
    expect(response.status).toBe(200);
    return response.body.items as MemoryBody[];
  };

  const historyOf = async (id: string): Promise<RevisionBody[]> => {
    const response = await request(team.url).get(`/v1/memories/${id}/history`).set(auth());
    expect(response.status).toBe(200);
    return response.body.items as RevisionBody[];
  };

  /** A memory is whole when its revisions run from 1 to its version and the last matches it. */
  const expectWhole = async (memory: MemoryBody) => {
    const history = await historyOf(memory.id);
    expect(history.map((revision) => revision.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: memory.version }, (_, index) => index + 1),
    );
    const last = history.find((revision) => revision.version === memory.version)!;
    expect({ content: last.content, tags: last.tags }).toEqual({
      content: memory.content,
      tags: memory.tags,
    });
  };

  it('keeps every acknowledged write as it was acknowledged', async () => {
    const stored = new Map((await listAll()).map((memory) => [memory.id, memory]));

    for (const write of acknowledged.values()) {
      const memory = stored.get(write.id);
      expect(memory).toBeDefined();
      expect({
        content: memory!.content,
        tags: memory!.tags,
        version: memory!.version,
      }).toEqual({ content: write.content, tags: write.tags, version: write.version });
      await expectWhole(memory!);
    }
  });

  it('leaves failed writes absent or whole, never half written', async () => {
    const stored = await listAll();
    for (const memory of stored) {
      await expectWhole(memory);
    }

    // The revision insert never reached the server, so its transaction rolled back.
    expect(stored.map((memory) => memory.content)).not.toContain(cutBeforeRevision);
    const unchanged = stored.find((memory) => memory.id === patchedWhileCut.id)!;
    expect({ content: unchanged.content, version: unchanged.version }).toEqual({
      content: patchedWhileCut.content,
      version: patchedWhileCut.version,
    });

    // The server ran COMMIT before the link dropped, so this write is stored, although the
    // client received a 503.
    expect(stored.map((memory) => memory.content)).toContain(cutAtCommitReply);
    expect(stored.map((memory) => memory.content)).not.toContain('added during the outage');
  });
});
