import { spawn } from 'node:child_process';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

import { childEnvironment, cliPath, createHome, parseJson, removeHome, runCli } from './helpers';

interface ServeProcess {
  url: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Start `mem0 serve --port 0` and wait for the line with its URL on stderr. */
async function startServe(home: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0'], {
    env: childEnvironment({ home }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mem0 serve did not start:\n${stderr}`)),
      15_000,
    );
    child.stderr.on('data', () => {
      const match = /"url":"([^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mem0 serve exited with ${code}:\n${stderr}`));
    });
  });

  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Send a request to the server with a chosen Host header. */
function send(
  url: string,
  options: { method?: string; path: string; host?: string; token?: string; body?: unknown },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const headers: Record<string, string> = { Host: options.host ?? target.host };
  if (options.token !== undefined) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
  }

  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers,
        agent: false,
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

let home: string;
let token: string;

beforeAll(async () => {
  home = createHome('serve');
  const result = await runCli(['serve', '--print-token'], { home });
  expect(result.code).toBe(0);
  token = result.stdout.trim();
});

afterAll(() => {
  removeHome(home);
});

describe('mem0 serve --print-token', () => {
  it('prints a 32-byte base64url token', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('stores it in MEM0_HOME with mode 0600', () => {
    const file = join(home, 'server-token');

    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('prints the same token again', async () => {
    const result = await runCli(['serve', '--print-token'], { home });

    expect(result.stdout).toBe(`${token}\n`);
  });

  it('another home gets another token', async () => {
    const other = createHome('serve-other');
    try {
      const result = await runCli(['serve', '--print-token'], { home: other });

      expect(result.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(result.stdout.trim()).not.toBe(token);
    } finally {
      removeHome(other);
    }
  });

  it('tightens a token file readable by others', async () => {
    const other = createHome('serve-mode');
    try {
      const first = await runCli(['serve', '--print-token'], { home: other });
      chmodSync(join(other, 'server-token'), 0o644);

      const second = await runCli(['serve', '--print-token'], { home: other });

      expect(second.stdout).toBe(first.stdout);
      expect(statSync(join(other, 'server-token')).mode & 0o777).toBe(0o600);
    } finally {
      removeHome(other);
    }
  });

  it('damaged token file is an error', async () => {
    const other = createHome('serve-damaged');
    try {
      writeFileSync(join(other, 'server-token'), 'not a token\n', { mode: 0o600 });

      const result = await runCli(['serve', '--print-token'], { home: other });

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('does not hold a mem0 token');
    } finally {
      removeHome(other);
    }
  });

  it('help names the token file', async () => {
    const result = await runCli(['serve', '--help'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(join(home, 'server-token'));
  });
});

describe('mem0 serve', () => {
  let server: ServeProcess;

  beforeAll(async () => {
    server = await startServe(home);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('listens on 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('accepts the right token', async () => {
    const response = await send(server.url, { path: '/v1/me', token });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      userId: 'local',
      via: 'local_token',
      scope: 'write',
    });
  });

  it('rejects a missing token', async () => {
    const response = await send(server.url, { path: '/v1/memories' });

    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'unauthenticated' });
  });

  it('rejects a wrong token', async () => {
    const response = await send(server.url, {
      path: '/v1/memories',
      token: `${token.slice(0, -1)}A`,
    });

    expect(response.status).toBe(401);
  });

  it.each(['evil.example', 'evil.example:13370', 'localhost.evil.example'])(
    'rejects Host %s even with the token',
    async (host) => {
      const response = await send(server.url, { path: '/v1/me', host, token });

      expect(response.status).toBe(403);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'forbidden' });
    },
  );

  it.each(['localhost', '127.0.0.1', '[::1]'])('accepts Host %s with the port', async (name) => {
    const port = new URL(server.url).port;

    const response = await send(server.url, { path: '/v1/me', host: `${name}:${port}`, token });

    expect(response.status).toBe(200);
  });

  it('stores memories in the local database', async () => {
    const added = await send(server.url, {
      method: 'POST',
      path: '/v1/memories',
      token,
      body: { content: 'Added over mem0 serve', context: 'served' },
    });
    expect(added.status).toBe(201);

    const listed = await runCli(['list', '--context', 'served', '--json'], { home });

    expect(listed.code).toBe(0);
    expect(parseJson<{ content: string; source: string }[]>(listed.stdout)).toEqual([
      expect.objectContaining({ content: 'Added over mem0 serve', source: 'api' }),
    ]);
  });

  it('sees memories the CLI added', async () => {
    await runCli(['add', 'Added by the CLI', '--context', 'served'], { home });

    const response = await send(server.url, {
      method: 'POST',
      path: '/v1/search',
      token,
      body: { query: 'CLI', context: 'served' },
    });

    expect(response.status).toBe(200);
    const hits = (JSON.parse(response.body) as { items: { content: string }[] }).items;
    expect(hits.map((hit) => hit.content)).toEqual(['Added by the CLI']);
  });

  it('writes nothing to stdout and logs without the token', () => {
    expect(server.stdout()).toBe('');
    expect(server.stderr()).not.toContain(token);
    for (const line of server.stderr().trim().split('\n')) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe('mem0 serve lifecycle', () => {
  it('SIGTERM stops it with exit code 0', async () => {
    const server = await startServe(home);

    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain('"msg":"stopped"');
  });

  it('bad --port is a usage error', async () => {
    const result = await runCli(['serve', '--port', 'http'], { home });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port "http" is not a port number');
  });

  it('port in use is an error naming the port', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['serve', '--port', String(port)], { home });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
  });
});
