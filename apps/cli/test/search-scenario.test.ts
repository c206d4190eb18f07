import {
  addMemory,
  createHome,
  parseJson,
  removeHome,
  runCli,
  type SearchHitJson,
} from './helpers';

// A user stores an operations fact and later finds it by asking in their own words.
describe('add then search in own words', () => {
  const content = 'The staging database is reset every Sunday at 02:00 UTC';
  let home: string;

  beforeAll(() => {
    home = createHome('scenario');
  });

  afterAll(() => {
    removeHome(home);
  });

  it('add stores the fact in context ops', async () => {
    const result = await runCli(['add', content, '--context', 'ops', '--tag', 'db'], { home });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Added [0-9A-Z]{26} to ops\.\n$/);
  });

  it('search human output shows the fact', async () => {
    const result = await runCli(['search', 'when is staging reset'], { home });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^1\. [0-9A-Z]{26} {2}ops #db/);
    // Without colour the matched words are marked with ** as in the JSON snippet.
    expect(result.stdout).toContain(
      'The **staging** database **is** **reset** every Sunday at 02:00 UTC',
    );
  });

  it('search --json returns the fact first', async () => {
    const result = await runCli(['search', 'when is staging reset', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const hits = parseJson<SearchHitJson[]>(result.stdout);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.content).toBe(content);
    expect(hits[0]!.context).toBe('ops');
    expect(hits[0]!.tags).toEqual(['db']);
    expect(hits[0]!.score).toBeGreaterThan(0);
    expect(hits[0]!.snippet).toContain('**staging**');
    expect(hits[0]!.snippet).toContain('**reset**');
  });

  it('search ranks the fact above a weaker match', async () => {
    await addMemory(home, ['The database of the billing service is large', '--context', 'ops']);

    const result = await runCli(['search', 'when is staging reset', '--json'], { home });
    const hits = parseJson<SearchHitJson[]>(result.stdout);

    expect(hits.map((hit) => hit.content)).toContain(content);
    expect(hits[0]!.content).toBe(content);
  });

  it('search by a word prefix finds the fact', async () => {
    const result = await runCli(['search', 'stag', '--json'], { home });
    const hits = parseJson<SearchHitJson[]>(result.stdout);

    expect(result.code).toBe(0);
    expect(hits.map((hit) => hit.content)).toEqual([content]);
  });
});
