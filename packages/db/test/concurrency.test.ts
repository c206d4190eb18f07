import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { addMemory, listMemories } from '@memzero/core';

import { SqliteStore } from '../src/index.js';
import { temporaryDirectory } from './helpers.js';

const distEntry = join(__dirname, '..', 'dist', 'index.js');
const coreEntry = require.resolve('@memzero/core');

function runNode(script: string, onStdout?: (text: string) => void) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => onStdout?.(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('several processes on one file', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let file: string;

  beforeEach(() => {
    directory = temporaryDirectory();
    file = join(directory.path, 'shared.db');
  });

  afterEach(() => {
    directory.remove();
  });

  it('lose no write when four processes add at once', async () => {
    const writer = (worker: number) => `
      const { SqliteStore } = require(${JSON.stringify(distEntry)});
      const { addMemory } = require(${JSON.stringify(coreEntry)});
      (async () => {
        const store = new SqliteStore(${JSON.stringify(file)});
        for (let i = 0; i < 50; i++) {
          await addMemory(store, { content: 'worker ${worker} note ' + i, tags: ['w${worker}'] });
        }
        await store.close();
      })().catch((error) => { console.error(error.message); process.exit(1); });
    `;
    const results = await Promise.all([0, 1, 2, 3].map((worker) => runNode(writer(worker))));

    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const store = new SqliteStore(file);
    const page = await listMemories(store, { limit: 1000 });
    expect(page.items).toHaveLength(200);
    await store.close();
  });

  it('wait for a write lock held for seconds', async () => {
    new SqliteStore(file).close();

    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = runNode(
      `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO contexts (id, name, owner_id, created_at) VALUES ('held', 'held', 'local', '2026-01-01T00:00:00.000Z')").run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 3000);
    `,
      (text) => {
        if (text.includes('locked')) {
          locked();
        }
      },
    );

    await lockTaken;
    const started = Date.now();
    const store = new SqliteStore(file);
    const { created } = await addMemory(store, { content: 'written after the lock' });
    const waited = Date.now() - started;
    await store.close();

    expect((await holder).code).toBe(0);
    expect(created).toBe(true);
    expect(waited).toBeGreaterThan(1000);
  });
});
