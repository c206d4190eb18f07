import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { LevelWithSilent } from 'pino';

import { defaultBodyLimitBytes, type TrustProxy } from './app.js';
import { EnvironmentReader } from './environment-reader.js';
import { defaultRateLimitSettings, type RateLimitSettings } from './rate-limit.js';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Signing keys of access tokens for the auth package: one shared secret, or a key pair in PEM files. */
export type JwtConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'key-pair'; privateKeyFile: string; publicKeyFile: string };

export type RegistrationMode = 'open' | 'first-user' | 'closed';

/** The server's settings, read from environment variables by `loadConfig`. Holds secrets. */
export interface Config {
  database: DatabaseConfig;
  host: string;
  port: number;
  /** Required in team mode (a PostgreSQL database); absent in local-token mode. */
  jwt: JwtConfig | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Seconds during which a used refresh token may be presented again (see the auth service). */
  refreshReuseGraceSeconds: number;
  registration: RegistrationMode;
  rateLimit: RateLimitSettings;
  trustProxy: TrustProxy;
  redisUrl: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  corsOrigins: string[];
  logLevel: LevelWithSilent;
  bodyLimitBytes: number;
  /** How long a shutdown waits for requests in flight before closing their connections. */
  shutdownTimeoutMs: number;
  /** How long audit events are kept before they are pruned, in milliseconds. */
  auditRetentionMs: number;
  /**
   * Local-token mode only (a file: database): the one bearer token the server accepts, for
   * the local user. Replaced by accounts once the auth package is wired in.
   */
  localToken: string | undefined;
}

/** Every invalid environment variable, reported together. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const registrationModes = ['open', 'first-user', 'closed'] as const;
const trustProxyNames = ['loopback', 'linklocal', 'uniquelocal'];

function readDatabase(reader: EnvironmentReader): DatabaseConfig | undefined {
  const url = reader.raw('DATABASE_URL');
  if (url === undefined) {
    return reader.problem(
      'DATABASE_URL',
      'is missing. Set it to postgresql://USER@HOST/DATABASE for a team server, or file:PATH for a SQLite file.',
    );
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return { kind: 'postgres', url };
  }
  if (url.startsWith('file:')) {
    const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
    if (path === '' || path === ':memory:') {
      return reader.problem('DATABASE_URL', 'must name a database file, such as file:./mem0.db.');
    }
    return { kind: 'sqlite', path: resolve(path) };
  }
  // The value can hold a password: name only its scheme.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  return reader.problem(
    'DATABASE_URL',
    `must start with postgresql:// or file:, not ${scheme ? `${scheme}:` : 'this value'}.`,
  );
}

function readJwt(
  reader: EnvironmentReader,
  database: DatabaseConfig | undefined,
): JwtConfig | undefined {
  const secret = reader.raw('MEM0_JWT_SECRET');
  const privateKeyFile = reader.readableFile('MEM0_JWT_PRIVATE_KEY_FILE');
  const publicKeyFile = reader.readableFile('MEM0_JWT_PUBLIC_KEY_FILE');
  const keyNamed =
    reader.raw('MEM0_JWT_PRIVATE_KEY_FILE') !== undefined ||
    reader.raw('MEM0_JWT_PUBLIC_KEY_FILE') !== undefined;

  if (secret !== undefined && keyNamed) {
    return reader.problem(
      'MEM0_JWT_SECRET',
      'and MEM0_JWT_PRIVATE_KEY_FILE/MEM0_JWT_PUBLIC_KEY_FILE are both set. Set either the secret or the key pair.',
    );
  }
  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      return reader.problem(
        'MEM0_JWT_SECRET',
        'is too short: it must be at least 32 bytes. Generate one with: openssl rand -base64 48',
      );
    }
    return { kind: 'secret', secret };
  }
  if (keyNamed) {
    if (reader.raw('MEM0_JWT_PRIVATE_KEY_FILE') === undefined) {
      return reader.problem(
        'MEM0_JWT_PRIVATE_KEY_FILE',
        'is missing: set it with MEM0_JWT_PUBLIC_KEY_FILE.',
      );
    }
    if (reader.raw('MEM0_JWT_PUBLIC_KEY_FILE') === undefined) {
      return reader.problem(
        'MEM0_JWT_PUBLIC_KEY_FILE',
        'is missing: set it with MEM0_JWT_PRIVATE_KEY_FILE.',
      );
    }
    if (privateKeyFile === undefined || publicKeyFile === undefined) {
      return undefined;
    }
    return { kind: 'key-pair', privateKeyFile, publicKeyFile };
  }
  if (database?.kind === 'postgres') {
    return reader.problem(
      'MEM0_JWT_SECRET',
      'is missing: a team server (postgresql:// database) signs access tokens with it. Set a secret of at least 32 bytes, or MEM0_JWT_PRIVATE_KEY_FILE and MEM0_JWT_PUBLIC_KEY_FILE.',
    );
  }
  return undefined;
}

function readTrustProxy(reader: EnvironmentReader): TrustProxy {
  const value = reader.raw('MEM0_TRUST_PROXY');
  if (value === undefined || value === 'false' || value === '0') {
    return false;
  }
  if (/^\d+$/.test(value)) {
    return reader.integer('MEM0_TRUST_PROXY', 0, 0, 10) || false;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const invalid = entries.filter((entry) => !isProxyAddress(entry));
  if (invalid.length > 0) {
    reader.problem(
      'MEM0_TRUST_PROXY',
      `must be a number of proxy hops (such as 1) or a comma-separated list of proxy addresses, subnets (10.0.0.0/8) or the names ${trustProxyNames.join(', ')}; these entries are invalid: ${invalid.map((entry) => `"${entry}"`).join(', ')}.`,
    );
    return false;
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (trustProxyNames.includes(entry)) {
    return true;
  }
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined || isIP(address) === 0) {
    return false;
  }
  if (bits === undefined) {
    return true;
  }
  const maxBits = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= maxBits;
}

function readTls(reader: EnvironmentReader): Config['tls'] {
  const certFile = reader.raw('MEM0_TLS_CERT');
  const keyFile = reader.raw('MEM0_TLS_KEY');
  if (certFile === undefined && keyFile === undefined) {
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    return reader.problem(
      certFile === undefined ? 'MEM0_TLS_CERT' : 'MEM0_TLS_KEY',
      'is missing: HTTPS needs both MEM0_TLS_CERT and MEM0_TLS_KEY (PEM files).',
    );
  }
  return { certFile: resolve(certFile), keyFile: resolve(keyFile) };
}

function readCorsOrigins(reader: EnvironmentReader): string[] {
  const value = reader.raw('MEM0_CORS_ORIGINS');
  if (value === undefined) {
    return [];
  }
  const origins = value.split(',').map((origin) => origin.trim());
  const invalid = origins.filter((origin) => !isOrigin(origin));
  if (invalid.length > 0) {
    reader.problem(
      'MEM0_CORS_ORIGINS',
      `must be a comma-separated list of origins such as https://app.example.com (scheme, host and optional port, no path); these are invalid: ${invalid.map((origin) => `"${origin}"`).join(', ')}.`,
    );
    return [];
  }
  return origins;
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

function readRedisUrl(reader: EnvironmentReader): string | undefined {
  const value = reader.raw('REDIS_URL');
  if (value === undefined) {
    return undefined;
  }
  if (!/^rediss?:\/\/[^\s]+$/.test(value)) {
    // The value can hold a password: do not repeat it.
    return reader.problem(
      'REDIS_URL',
      'must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379.',
    );
  }
  return value;
}

function readBodyLimit(reader: EnvironmentReader): number {
  const value = reader.raw('MEM0_BODY_LIMIT');
  if (value === undefined) {
    return defaultBodyLimitBytes;
  }
  const match = /^(\d{1,9})(b|kb|mb)?$/i.exec(value);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b'];
  const bytes = match ? Number(match[1]) * unit : Number.NaN;
  if (!(bytes >= 1024 && bytes <= 64 * 1024 * 1024)) {
    reader.problem(
      'MEM0_BODY_LIMIT',
      `must be a size from 1kb to 64mb, such as 1mb; got "${value}".`,
    );
    return defaultBodyLimitBytes;
  }
  return bytes;
}

function readRateLimit(reader: EnvironmentReader): RateLimitSettings {
  const defaults = defaultRateLimitSettings;
  return {
    windowMs: reader.duration('MEM0_RATE_LIMIT_WINDOW', '1m', 1_000, 86_400_000),
    perPrincipal: reader.integer('MEM0_RATE_LIMIT_MAX', defaults.perPrincipal, 1, 1_000_000),
    perIp: reader.integer('MEM0_RATE_LIMIT_IP_MAX', defaults.perIp, 1, 1_000_000),
    credentials: {
      windowMs: defaults.credentials.windowMs,
      perIp: reader.integer('MEM0_RATE_LIMIT_LOGIN_IP_MAX', defaults.credentials.perIp, 1, 100_000),
      perAccount: reader.integer(
        'MEM0_RATE_LIMIT_LOGIN_MAX',
        defaults.credentials.perAccount,
        1,
        100_000,
      ),
    },
    redisPrefix: reader.raw('MEM0_RATE_LIMIT_REDIS_PREFIX') ?? defaults.redisPrefix,
  };
}

function readLocalToken(reader: EnvironmentReader, database: DatabaseConfig | undefined) {
  if (database?.kind !== 'sqlite') {
    return undefined;
  }
  const token = reader.raw('MEM0_SERVER_TOKEN');
  if (token === undefined || Buffer.byteLength(token, 'utf8') < 32) {
    return reader.problem(
      'MEM0_SERVER_TOKEN',
      `is ${token === undefined ? 'missing' : 'too short'}: with a file: DATABASE_URL the server accepts one bearer token of at least 32 bytes. Generate one with: openssl rand -base64 32`,
    );
  }
  return token;
}

/**
 * Read and validate the server's settings from environment variables. Throws a `ConfigError`
 * that lists every invalid variable, each with what it must be.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const reader = new EnvironmentReader(env);
  const database = readDatabase(reader);

  const host = reader.raw('HOST') ?? '127.0.0.1';
  if (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) {
    reader.problem(
      'HOST',
      `must be an IP address or a host name, such as 127.0.0.1 or 0.0.0.0; got "${host}".`,
    );
  }
  const accessTokenTtlMs = reader.duration('MEM0_ACCESS_TOKEN_TTL', '15m', 60_000, 86_400_000);
  const refreshTokenTtlMs = reader.duration(
    'MEM0_REFRESH_TOKEN_TTL',
    '30d',
    3_600_000,
    365 * 86_400_000,
  );
  if (refreshTokenTtlMs > 0 && accessTokenTtlMs > refreshTokenTtlMs) {
    reader.problem('MEM0_ACCESS_TOKEN_TTL', 'must not be longer than MEM0_REFRESH_TOKEN_TTL.');
  }

  const config: Config = {
    database: database ?? { kind: 'sqlite', path: '' },
    host,
    port: reader.integer('PORT', 13370, 0, 65535),
    jwt: readJwt(reader, database),
    accessTokenTtlSeconds: accessTokenTtlMs / 1000,
    refreshTokenTtlSeconds: refreshTokenTtlMs / 1000,
    refreshReuseGraceSeconds: reader.duration('MEM0_REFRESH_REUSE_GRACE', '10s', 0, 60_000) / 1000,
    registration: reader.oneOf('MEM0_REGISTRATION', registrationModes, 'first-user'),
    rateLimit: readRateLimit(reader),
    trustProxy: readTrustProxy(reader),
    redisUrl: readRedisUrl(reader),
    tls: readTls(reader),
    corsOrigins: readCorsOrigins(reader),
    logLevel: reader.oneOf('LOG_LEVEL', logLevels, 'info'),
    bodyLimitBytes: readBodyLimit(reader),
    shutdownTimeoutMs: reader.duration('MEM0_SHUTDOWN_TIMEOUT', '10s', 1_000, 600_000),
    auditRetentionMs: reader.duration(
      'MEM0_AUDIT_RETENTION',
      '365d',
      86_400_000,
      3_650 * 86_400_000,
    ),
    localToken: readLocalToken(reader, database),
  };

  if (reader.problems.length > 0) {
    throw new ConfigError(reader.problems);
  }
  return config;
}
