import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { databasePath } from '../paths.js';
import { connectToServer } from '../remote.js';
import { resolveTarget } from '../target.js';

/**
 * Show the selected profile, its server and account, and how it authenticates. For a server,
 * the account is read from the server (`GET /v1/me`), so this also checks the credential.
 */
export async function whoami(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const target = resolveTarget(io.env);
  const colors = colorsFor(io.stdout, io.env);

  if (target.kind === 'local') {
    const path = databasePath(io.env);
    if (options.json) {
      writeJson(io.stdout, { profile: 'local', server: null, database: path });
      return 0;
    }
    writeLine(io.stdout, `Profile:  ${colors.yellow('local')}`);
    writeLine(io.stdout, `Store:    the local database ${path}`);
    writeLine(io.stdout, 'Account:  the local user; no login is needed');
    return 0;
  }

  const connection = await connectToServer(io.env, target);
  const me = await connection.client.me();
  const profile = connection.profile?.name ?? null;

  if (options.json) {
    writeJson(io.stdout, {
      profile,
      server: connection.server,
      account: me.email,
      name: me.name,
      userId: me.id,
      isAdmin: me.isAdmin,
      via: me.via,
      scope: me.scope,
      credential: connection.profile?.credential ?? 'environment',
    });
    return 0;
  }

  const name = me.name ? ` (${me.name})` : '';
  const admin = me.isAdmin ? ', admin' : '';
  writeLine(
    io.stdout,
    `Profile:  ${profile === null ? 'none (MEM0_SERVER)' : colors.yellow(profile)}`,
  );
  writeLine(io.stdout, `Server:   ${connection.server}`);
  writeLine(io.stdout, `Account:  ${colors.green(me.email ?? '')}${name}${admin}`);
  writeLine(io.stdout, `Auth:     ${connection.authentication}, scope ${me.scope}`);
  return 0;
}
