import { createHome, parseJson, removeHome, runCli } from './helpers';
import { createApiKey, registerAccount, startTeamServer, type TeamServer } from './team-server';

describe('mem0 profiles after logout', () => {
  let server: TeamServer;
  let home: string;
  let key: string;

  beforeAll(async () => {
    server = await startTeamServer();
    const ana = await registerAccount(server.url, 'ana@example.com');
    key = (await createApiKey(server.url, ana.accessToken, 'read')).key;
    home = createHome('logout-profile');
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  const login = () =>
    runCli(['login', server.url, '--with-token', '--insecure-storage', '--profile', 'team'], {
      home,
      input: `${key}\n`,
    });

  test('shows a logged-out profile as logged out until the next login', async () => {
    expect((await login()).code).toBe(0);
    expect((await runCli(['logout'], { home })).code).toBe(0);

    const listed = await runCli(['profiles'], { home });
    expect(listed.stdout).toMatch(
      /team\s+http:\/\/127\.0\.0\.1:\d+\s+ana@example\.com\s+logged out/,
    );
    const json = parseJson<{ name: string; signedOut?: boolean }[]>(
      (await runCli(['profiles', '--json'], { home })).stdout,
    );
    expect(json.find((entry) => entry.name === 'team')?.signedOut).toBe(true);

    expect((await login()).code).toBe(0);
    const again = await runCli(['profiles'], { home });
    expect(again.stdout).toMatch(/ana@example\.com\s+API key in the credentials file/);
  });
});
