import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { ConfigError, defaultRateLimitSettings, loadConfig } from '../src/index.js';
import { temporaryDirectory } from './helpers';

const localToken = 'local-token-with-at-least-32-bytes-in-it';
const jwtSecret = 'a-jwt-secret-that-is-longer-than-32-bytes';
const local = { DATABASE_URL: 'file:./data/mem0.db', MEM0_SERVER_TOKEN: localToken };
const team = { DATABASE_URL: 'postgresql://mem0@127.0.0.1/mem0', MEM0_JWT_SECRET: jwtSecret };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig defaults', () => {
  it('local mode fills every default', () => {
    const config = loadConfig(local);

    expect(config).toEqual({
      database: { kind: 'sqlite', path: resolve('data/mem0.db') },
      host: '127.0.0.1',
      port: 13370,
      jwt: undefined,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 86_400,
      refreshReuseGraceSeconds: 10,
      registration: 'first-user',
      rateLimit: defaultRateLimitSettings,
      trustProxy: false,
      redisUrl: undefined,
      tls: undefined,
      corsOrigins: [],
      logLevel: 'info',
      bodyLimitBytes: 1024 * 1024,
      shutdownTimeoutMs: 10_000,
      auditRetentionMs: 365 * 86_400_000,
      localToken,
    });
  });

  it('team mode reads the JWT secret', () => {
    const config = loadConfig(team);

    expect(config.database).toEqual({ kind: 'postgres', url: team.DATABASE_URL });
    expect(config.jwt).toEqual({ kind: 'secret', secret: jwtSecret });
    expect(config.localToken).toBeUndefined();
  });

  it('file URL form is accepted', () => {
    expect(loadConfig({ ...local, DATABASE_URL: 'file:///var/lib/mem0/mem0.db' }).database).toEqual(
      {
        kind: 'sqlite',
        path: '/var/lib/mem0/mem0.db',
      },
    );
  });
});

describe('loadConfig values', () => {
  it('reads every setting', () => {
    const config = loadConfig({
      ...team,
      PORT: '8443',
      HOST: '0.0.0.0',
      MEM0_ACCESS_TOKEN_TTL: '5m',
      MEM0_REFRESH_TOKEN_TTL: '7d',
      MEM0_REGISTRATION: 'closed',
      MEM0_RATE_LIMIT_WINDOW: '30s',
      MEM0_RATE_LIMIT_MAX: '100',
      MEM0_RATE_LIMIT_IP_MAX: '20',
      MEM0_RATE_LIMIT_LOGIN_MAX: '3',
      MEM0_RATE_LIMIT_LOGIN_IP_MAX: '30',
      MEM0_RATE_LIMIT_REDIS_PREFIX: 'team-a:',
      MEM0_TRUST_PROXY: '10.0.0.0/8, loopback,::1',
      REDIS_URL: 'redis://:pw@127.0.0.1:6379/2',
      MEM0_TLS_CERT: 'cert.pem',
      MEM0_TLS_KEY: '/etc/mem0/key.pem',
      MEM0_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      LOG_LEVEL: 'debug',
      MEM0_BODY_LIMIT: '256kb',
      MEM0_SHUTDOWN_TIMEOUT: '30s',
      MEM0_REFRESH_REUSE_GRACE: '0s',
      MEM0_AUDIT_RETENTION: '90d',
    });

    expect(config).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 7 * 86_400,
      refreshReuseGraceSeconds: 0,
      registration: 'closed',
      rateLimit: {
        windowMs: 30_000,
        perPrincipal: 100,
        perIp: 20,
        credentials: { perAccount: 3, perIp: 30 },
        redisPrefix: 'team-a:',
      },
      trustProxy: ['10.0.0.0/8', 'loopback', '::1'],
      redisUrl: 'redis://:pw@127.0.0.1:6379/2',
      tls: { certFile: resolve('cert.pem'), keyFile: '/etc/mem0/key.pem' },
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      logLevel: 'debug',
      bodyLimitBytes: 256 * 1024,
      shutdownTimeoutMs: 30_000,
      auditRetentionMs: 90 * 86_400_000,
    });
  });

  it.each([
    ['0', false],
    ['false', false],
    ['1', 1],
    ['2', 2],
  ])('MEM0_TRUST_PROXY=%s is %p', (value, expected) => {
    expect(loadConfig({ ...local, MEM0_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('reads a JWT key pair', () => {
    const directory = temporaryDirectory('config');
    try {
      const privateKeyFile = join(directory.path, 'private.pem');
      const publicKeyFile = join(directory.path, 'public.pem');
      writeFileSync(privateKeyFile, 'private');
      writeFileSync(publicKeyFile, 'public');

      const config = loadConfig({
        DATABASE_URL: team.DATABASE_URL,
        MEM0_JWT_PRIVATE_KEY_FILE: privateKeyFile,
        MEM0_JWT_PUBLIC_KEY_FILE: publicKeyFile,
      });

      expect(config.jwt).toEqual({ kind: 'key-pair', privateKeyFile, publicKeyFile });
    } finally {
      directory.remove();
    }
  });
});

describe('loadConfig problems', () => {
  it.each([
    [{ ...local, DATABASE_URL: undefined }, 'DATABASE_URL is missing'],
    [
      { ...local, DATABASE_URL: 'mysql://root:hunter2@db/mem0' },
      'DATABASE_URL must start with postgresql:// or file:, not mysql:',
    ],
    [{ ...local, DATABASE_URL: 'file::memory:' }, 'DATABASE_URL must name a database file'],
    [{ ...local, PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, not "70000"'],
    [{ ...local, PORT: 'http' }, 'PORT must be a whole number'],
    [{ ...local, HOST: 'local host' }, 'HOST must be an IP address or a host name'],
    [{ DATABASE_URL: team.DATABASE_URL }, 'MEM0_JWT_SECRET is missing'],
    [
      { ...team, MEM0_JWT_SECRET: 'short' },
      'MEM0_JWT_SECRET is too short: it must be at least 32 bytes',
    ],
    [
      { ...team, MEM0_JWT_PUBLIC_KEY_FILE: '/etc/hosts' },
      'MEM0_JWT_SECRET and MEM0_JWT_PRIVATE_KEY_FILE/MEM0_JWT_PUBLIC_KEY_FILE are both set',
    ],
    [
      { DATABASE_URL: team.DATABASE_URL, MEM0_JWT_PUBLIC_KEY_FILE: '/etc/hosts' },
      'MEM0_JWT_PRIVATE_KEY_FILE is missing',
    ],
    [
      {
        DATABASE_URL: team.DATABASE_URL,
        MEM0_JWT_PRIVATE_KEY_FILE: '/no/such/key.pem',
        MEM0_JWT_PUBLIC_KEY_FILE: '/etc/hosts',
      },
      'MEM0_JWT_PRIVATE_KEY_FILE names /no/such/key.pem, which cannot be read (ENOENT)',
    ],
    [
      { ...local, MEM0_ACCESS_TOKEN_TTL: '15' },
      'MEM0_ACCESS_TOKEN_TTL must be a duration from 1m to 1d',
    ],
    [{ ...local, MEM0_REFRESH_TOKEN_TTL: '2y' }, 'MEM0_REFRESH_TOKEN_TTL must be a duration'],
    [
      { ...local, MEM0_ACCESS_TOKEN_TTL: '1d', MEM0_REFRESH_TOKEN_TTL: '2h' },
      'MEM0_ACCESS_TOKEN_TTL must not be longer than MEM0_REFRESH_TOKEN_TTL',
    ],
    [
      { ...local, MEM0_REGISTRATION: 'invite' },
      'MEM0_REGISTRATION must be one of open, first-user, closed, not "invite"',
    ],
    [{ ...local, MEM0_RATE_LIMIT_MAX: '0' }, 'MEM0_RATE_LIMIT_MAX must be a whole number from 1'],
    [{ ...local, MEM0_RATE_LIMIT_WINDOW: 'hourly' }, 'MEM0_RATE_LIMIT_WINDOW must be a duration'],
    [{ ...local, MEM0_TRUST_PROXY: 'true' }, 'MEM0_TRUST_PROXY must be a number of proxy hops'],
    [{ ...local, MEM0_TRUST_PROXY: '10.0.0.0/33' }, '"10.0.0.0/33"'],
    [{ ...local, MEM0_TRUST_PROXY: '11' }, 'MEM0_TRUST_PROXY must be a whole number from 0 to 10'],
    [{ ...local, REDIS_URL: 'localhost:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ ...local, MEM0_TLS_CERT: 'cert.pem' }, 'MEM0_TLS_KEY is missing'],
    [
      { ...local, MEM0_CORS_ORIGINS: '*' },
      'MEM0_CORS_ORIGINS must be a comma-separated list of origins',
    ],
    [
      { ...local, MEM0_CORS_ORIGINS: 'https://app.example.com/path' },
      '"https://app.example.com/path"',
    ],
    [
      { ...local, LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ ...local, MEM0_BODY_LIMIT: '2gb' }, 'MEM0_BODY_LIMIT must be a size from 1kb to 64mb'],
    [{ ...local, MEM0_SERVER_TOKEN: undefined }, 'MEM0_SERVER_TOKEN is missing'],
    [{ ...local, MEM0_SERVER_TOKEN: 'short' }, 'MEM0_SERVER_TOKEN is too short'],
  ] as [NodeJS.ProcessEnv, string][])('%j is reported', (env, expected) => {
    const problems = problemsOf(env);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('every bad value is reported at once', () => {
    const problems = problemsOf({
      DATABASE_URL: 'file:./mem0.db',
      PORT: '-1',
      LOG_LEVEL: 'loud',
      MEM0_REGISTRATION: 'maybe',
      MEM0_RATE_LIMIT_IP_MAX: 'lots',
    });

    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'MEM0_REGISTRATION',
      'MEM0_RATE_LIMIT_IP_MAX',
      'LOG_LEVEL',
      'MEM0_SERVER_TOKEN',
    ]);
  });

  it('message lists each problem on its own line', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x' });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('accepted');
    })();

    expect(error.message.split('\n')).toEqual([
      'Invalid configuration:',
      `  - ${error.problems[0]}`,
      `  - ${error.problems[1]}`,
    ]);
  });

  it('secrets are not repeated in messages', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db/mem0',
      REDIS_URL: 'http://:redis-secret@cache:6379',
      MEM0_SERVER_TOKEN: 'tiny-token',
    });

    expect(problems.join('\n')).not.toMatch(/hunter2|redis-secret|tiny-token/);
  });
});
