import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createHome, parseJson, removeHome, runCli } from '../helpers';
import { call, connect, structured } from './helpers';

const perServer = 150;
const imported = 2_000;
const added = 15;

describe('two mem0-mcp processes and the CLI on one database', () => {
  let home: string;

  beforeAll(() => {
    home = createHome('mcp-concurrency');
  });

  afterAll(() => {
    removeHome(home);
  });

  test('every write from every process is kept', async () => {
    const lines = Array.from({ length: imported }, (_, index) =>
      JSON.stringify({ content: `imported note ${index}`, context: 'imports' }),
    );
    const importFile = join(home, 'notes.jsonl');
    writeFileSync(importFile, `${lines.join('\n')}\n`);

    const first = await connect(home);
    const second = await connect(home);
    try {
      const addFrom = async (client: typeof first, label: string) => {
        for (let index = 0; index < perServer; index += 1) {
          structured(
            await call(client, 'add_memory', {
              content: `${label} note ${index}`,
              context: label,
            }),
          );
        }
      };
      const cliAdds = async () => {
        for (let index = 0; index < added; index += 1) {
          const result = await runCli(['add', '--context', 'cli', `cli note ${index}`], { home });
          expect(result.stderr).toBe('');
        }
      };

      const [importRun] = await Promise.all([
        runCli(['import', importFile], { home, timeoutMs: 60_000 }),
        addFrom(first, 'first'),
        addFrom(second, 'second'),
        cliAdds(),
      ]);
      expect(importRun.code).toBe(0);

      const contexts = parseJson<{ name: string; memoryCount: number }[]>(
        (await runCli(['contexts', '--json'], { home })).stdout,
      );
      const counts = Object.fromEntries(contexts.map((entry) => [entry.name, entry.memoryCount]));
      expect(counts).toMatchObject({
        first: perServer,
        second: perServer,
        cli: added,
        imports: imported,
      });

      // Each server reads what the other one and the CLI wrote.
      const seen = structured<{ items: unknown[] }>(
        await call(first, 'search_memories', { query: 'second note 149' }),
      );
      expect(seen.items.length).toBeGreaterThan(0);
    } finally {
      await first.close();
      await second.close();
    }
  }, 120_000);
});
