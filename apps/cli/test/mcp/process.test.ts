import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { binPath, makeHome, serverEnv } from './helpers';

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

/**
 * Start the server, write `messages` one per line, then end stdin or send `signal` once every
 * request has a response, and collect what the process wrote.
 */
function runServer(
  home: string,
  messages: object[],
  signal?: NodeJS.Signals,
  env: Record<string, string> = {},
): Promise<Run> {
  const expectedResponses = messages.filter((message) => 'id' in message).length;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath], {
      env: serverEnv(home, { MEM0_LOG_LEVEL: 'info', ...env }),
    });
    let stdout = '';
    let stderr = '';
    let finished = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit; stderr: ${stderr}`));
    }, 15_000);

    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const responses = stdout.split('\n').filter((line) => line.trim() !== '').length;
      if (!finished && responses >= expectedResponses) {
        finished = true;
        if (signal) {
          child.kill(signal);
        } else {
          child.stdin.end();
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal: exitSignal });
    });
    for (const message of messages) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }
  });
}

describe('mem0-mcp process', () => {
  test('stdout holds only protocol messages', async () => {
    // A fresh MEM0_HOME makes the first start create and migrate the database, with every SQL
    // statement logged, the debug module of every dependency on, and a preloaded module that
    // prints to stdout the way a careless dependency would.
    const { home, remove } = makeHome();
    try {
      const chatty = {
        DEBUG: '*',
        MEM0_LOG_LEVEL: 'trace',
        NODE_OPTIONS: `--require ${join(__dirname, 'chatty-dependency.js')}`,
      };
      const run = await runServer(
        home,
        [
          initialize,
          { jsonrpc: '2.0', method: 'notifications/initialized' },
          { jsonrpc: '2.0', id: 2, method: 'tools/list' },
          {
            jsonrpc: '2.0',
            id: 3,
            method: 'tools/call',
            params: { name: 'add_memory', arguments: { content: 'raw' } },
          },
          {
            jsonrpc: '2.0',
            id: 4,
            method: 'tools/call',
            params: { name: 'add_memory', arguments: { content: null } },
          },
          {
            jsonrpc: '2.0',
            id: 5,
            method: 'tools/call',
            params: { name: 'get_memory', arguments: { id: '0' } },
          },
        ],
        undefined,
        chatty,
      );

      const lines = run.stdout.split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(5);
      for (const line of lines) {
        const message = JSON.parse(line) as { jsonrpc: string; id: number };
        expect(message.jsonrpc).toBe('2.0');
        expect(typeof message.id).toBe('number');
      }
      expect(run.stderr).toContain('serving MCP on stdio');
      expect(run.stderr).toContain('CREATE TABLE');
      expect(run.stderr).toContain('chatty dependency');
      expect(run.code).toBe(0);
    } finally {
      remove();
    }
  });

  test('exits cleanly when stdin closes', async () => {
    const { home, remove } = makeHome();
    try {
      const run = await runServer(home, [initialize]);

      expect(run.code).toBe(0);
      expect(run.signal).toBeNull();
      expect(run.stderr).toContain('stdin closed');
    } finally {
      remove();
    }
  });

  test('exits cleanly on SIGTERM', async () => {
    const { home, remove } = makeHome();
    try {
      const run = await runServer(home, [initialize], 'SIGTERM');

      expect(run.code).toBe(0);
      expect(run.stderr).toContain('SIGTERM');
    } finally {
      remove();
    }
  });

  test('exits with a log line on a message over 10 MiB', async () => {
    const { home, remove } = makeHome();
    try {
      const child = spawn(process.execPath, [binPath], {
        env: serverEnv(home, { MEM0_LOG_LEVEL: 'info' }),
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      // 'close' comes after stderr is read to its end; 'exit' may come before.
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.stdin.on('error', () => undefined);
      child.stdin.write(`${JSON.stringify(initialize)}\n`);
      // stdin stays open, as an AI tool keeps it: the server must stop by itself.
      child.stdin.write(
        `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"${'z'.repeat(11 << 20)}"}}\n`,
      );

      expect(await exited).toBe(0);
      expect(stderr).toContain('ReadBuffer exceeded maximum size');
      expect(stderr).toContain('transport closed');
    } finally {
      remove();
    }
  });

  test('an invalid MEM0_LOG_LEVEL fails start with one line', async () => {
    const { home, remove } = makeHome();
    try {
      const child = spawn(process.execPath, [binPath], {
        env: serverEnv(home, { MEM0_LOG_LEVEL: 'bogus' }),
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

      expect(code).toBe(2);
      expect(stderr).toBe(
        'mem0-mcp: MEM0_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "bogus".\n',
      );
    } finally {
      remove();
    }
  });

  test('invalid default context fails start', async () => {
    const { home, remove } = makeHome();
    try {
      const child = spawn(process.execPath, [binPath, '--context', ''.padEnd(200, 'x')], {
        env: serverEnv(home),
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

      expect(code).not.toBe(0);
      expect(stderr).toContain('Invalid default context');
    } finally {
      remove();
    }
  });
});
