import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { sqliteMigrations } from '../src/index.js';
import { postgresMigrations } from '../src/postgres/index.js';

const prismaDir = join(__dirname, '..', '..', '..', 'prisma');

/** The model blocks of a schema without comments and provider-specific native types. */
function models(provider: string): string {
  const schema = readFileSync(join(prismaDir, provider, 'schema.prisma'), 'utf8');
  return schema
    .slice(schema.indexOf('model '))
    .replace(/\/\/.*$/gm, '')
    .replace(/@db\.\w+(\([^)]*\))?/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('Prisma schemas and migrations', () => {
  it('define the same models for SQLite and PostgreSQL', () => {
    expect(models('postgres')).toBe(models('sqlite'));
  });

  it.each(['sqlite', 'postgres'])('embed every committed %s migration', (provider) => {
    const committed = readdirSync(join(prismaDir, provider, 'migrations'))
      .filter((entry) => /^\d{4}_/.test(entry))
      .sort();
    const embedded = (provider === 'sqlite' ? sqliteMigrations : postgresMigrations).map(
      (migration) => migration.name,
    );
    expect(embedded).toEqual(committed);
  });

  it.each(['sqlite', 'postgres'])('leave no %s schema change without a migration', (provider) => {
    // Diff the snapshot stored with the latest migration against the current schema with the
    // Prisma CLI; any SQL means schema.prisma changed without `pnpm db:generate`.
    const migrations = join(prismaDir, provider, 'migrations');
    const latest = readdirSync(migrations)
      .filter((entry) => /^\d{4}_/.test(entry))
      .sort()
      .at(-1)!;
    const script = `
      import('${join(__dirname, '..', '..', '..', 'scripts', 'prisma-diff.mjs')}').then(({ prismaDiff }) =>
        process.stdout.write(prismaDiff(${JSON.stringify(provider)}, ${JSON.stringify(join(migrations, latest, 'schema.prisma'))}, ${JSON.stringify(join(prismaDir, provider, 'schema.prisma'))})));
    `;
    const sql = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(sql).not.toMatch(/\b(CREATE|ALTER|DROP)\b/);
  });
});
