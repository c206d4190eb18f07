import { randomBytes } from 'node:crypto';

import {
  type AccountRepository,
  type AuditEntry,
  type AuditOrigin,
  type AuditRecorder,
  type ApiKeyRecord,
  type ApiKeyScope,
  apiKeyScopes,
  codePointLength,
  Mem0Error,
  notFound,
  type UserRecord,
} from '@memzero/core';

import { AccessTokens, type AccessTokenConfig } from './jwt.js';
import {
  checkPasswordMaxLength,
  checkPasswordRules,
  hashPassword,
  verifyPassword,
} from './password.js';
import {
  apiKeyPrefix,
  displayPrefix,
  generateApiKey,
  generateRefreshToken,
  hashSecret,
  hasSecretFormat,
  refreshTokenPrefix,
} from './secrets.js';

/**
 * Who may create an account: anyone (`open`), only the first person, who becomes the admin
 * (`first-user`), or no one (`closed`).
 */
export const registrationPolicies = ['open', 'first-user', 'closed'] as const;
export type RegistrationPolicy = (typeof registrationPolicies)[number];

export interface AuthServiceOptions {
  accessTokens: AccessTokenConfig;
  /** `first-user` unless set. */
  registration?: RegistrationPolicy;
  /** How long a login lasts without a new password, in seconds; 30 days unless set. */
  sessionLifetimeSeconds?: number;
  /**
   * Seconds after its first use during which a refresh token may be used again, each time for
   * a new token of the same session, instead of revoking the session as reused. Two processes
   * of one client that refresh at the same moment need it; 0 (no grace) unless set.
   */
  refreshReuseGraceSeconds?: number;
  /**
   * The registration policy an administrator set at run time, read on every registration;
   * when it resolves to undefined, `registration` applies.
   */
  registrationOverride?: () => Promise<RegistrationPolicy | undefined>;
  /** Receives an entry for every login, failed login, logout, reused refresh token and key change. */
  audit?: AuditRecorder;
  /** Clock, in milliseconds since the epoch. */
  now?: () => number;
}

/** A user as the service returns it: never with the password hash. */
export type User = Omit<UserRecord, 'passwordHash'>;

/** An API key as the service returns it: never with the key's hash. */
export type ApiKey = Omit<ApiKeyRecord, 'keyHash'>;

/** The acting identity of an authenticated request. */
export interface Principal {
  userId: string;
  /** A session may do everything its user may; an API key only what its scope allows. */
  scope: ApiKeyScope;
  via: 'session' | 'api_key';
  sessionId?: string;
  keyId?: string;
}

/** The result of a login or a refresh. */
export interface AuthTokens {
  accessToken: string;
  /** Single use: exchange it once for the next pair with `refresh`. */
  refreshToken: string;
  /** Lifetime of the access token, in seconds. */
  expiresIn: number;
  user: User;
}

export interface NewApiKeyRequest {
  name: string;
  scope: ApiKeyScope;
  /** ISO 8601 time in the future; the key never expires without it. */
  expiresAt?: string | null;
}

export interface CreatedApiKey {
  /** The key itself. It is stored only as a hash, so this is the only time it is shown. */
  key: string;
  apiKey: ApiKey;
}

export const defaultSessionLifetimeSeconds = 30 * 24 * 60 * 60;

/** `lastUsedAt` of an API key is written at most this often, in milliseconds. */
export const apiKeyTouchIntervalMs = 60_000;

const maxEmailChars = 254;
const maxNameChars = 100;
const maxKeyNameChars = 100;
// Deliberately loose: one @ with something on both sides and no spaces. Whether the address
// receives mail is not this check's business.
const emailPattern = /^[^\s@]+@[^\s@]+$/;

const sessionRevokedReasons = {
  logout: 'logout',
  reuse: 'refresh_token_reused',
  userDisabled: 'user_disabled',
} as const;

/**
 * Registration, login, refresh-token rotation, logout, API keys, and authentication of bearer
 * credentials, over an `AccountRepository`. Secrets are hashed before they reach the
 * repository: passwords with scrypt, refresh tokens and API keys with SHA-256.
 */
export class AuthService {
  private readonly accounts: AccountRepository;
  private readonly tokens: AccessTokens;
  private readonly registration: RegistrationPolicy;
  private readonly registrationOverride:
    (() => Promise<RegistrationPolicy | undefined>) | undefined;
  private readonly audit: AuditRecorder | undefined;
  private readonly refreshReuseGraceMs: number;
  private readonly sessionLifetimeMs: number;
  private readonly now: () => number;

  constructor(accounts: AccountRepository, options: AuthServiceOptions) {
    this.accounts = accounts;
    this.now = options.now ?? Date.now;
    this.tokens = new AccessTokens(options.accessTokens, this.now);
    this.registration = options.registration ?? 'first-user';
    this.registrationOverride = options.registrationOverride;
    this.audit = options.audit;
    this.refreshReuseGraceMs = (options.refreshReuseGraceSeconds ?? 0) * 1000;

    const sessionLifetimeSeconds = options.sessionLifetimeSeconds ?? defaultSessionLifetimeSeconds;
    if (!Number.isInteger(sessionLifetimeSeconds) || sessionLifetimeSeconds <= 0) {
      throw new Mem0Error(
        'invalid_argument',
        `The session lifetime must be a positive whole number of seconds, not ${sessionLifetimeSeconds}.`,
      );
    }
    this.sessionLifetimeMs = sessionLifetimeSeconds * 1000;

    // Start hashing now, so that the first login with an unknown email does not wait for it.
    dummyPasswordHash().catch(() => undefined);
  }

  /** The registration policy of the configuration, which an administrator's setting overrides. */
  get registrationPolicy(): RegistrationPolicy {
    return this.registration;
  }

  /**
   * Create an account as the registration policy allows; the first account becomes the admin.
   * Rejects with `forbidden` when the policy does not allow it, `validation_failed` on a bad
   * email, name or password, and `conflict` when the email is taken. `invited` is set when the
   * caller has a valid team invite for this email: an invite admits its invitee whatever the
   * policy, so a team can grow on a server whose registration is closed.
   */
  async register(
    input: { email: string; password: string; name?: string | null },
    origin?: AuditOrigin,
    options: { invited?: boolean } = {},
  ): Promise<User> {
    const override = await this.registrationOverride?.();
    const policy = options.invited ? 'open' : (override ?? this.registration);
    const setBy = override === undefined ? 'environment' : 'administrator';
    if (policy === 'closed') {
      throw registrationClosed(setBy);
    }

    // A cheap check before the input checks and the expensive hash, so that a rejected caller
    // learns the policy first; the repository checks again atomically.
    if (policy === 'first-user' && (await this.accounts.countUsers()) > 0) {
      throw firstUserOnly(setBy);
    }

    const email = parseEmail(input.email);
    const name = parseName(input.name);
    checkPasswordRules(input.password);

    const newUser = {
      email,
      name,
      passwordHash: await hashPassword(input.password),
      createdAt: this.timestamp(),
    };
    const user =
      policy === 'first-user'
        ? await this.accounts.createFirstUser(newUser)
        : await this.accounts.createUser(newUser);
    if (user === undefined) {
      throw firstUserOnly(setBy);
    }
    await this.record({
      origin,
      action: 'auth.register',
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
      details: {
        email: user.email,
        admin: user.isAdmin,
        ...(options.invited ? { invited: true } : {}),
      },
    });
    return withoutPasswordHash(user);
  }

  /**
   * Check an email and password and start a session. An unknown email costs the same scrypt
   * work as a wrong password, so response times do not tell which emails have accounts.
   */
  async login(email: string, password: string, origin?: AuditOrigin): Promise<AuthTokens> {
    checkPasswordMaxLength(password);

    const user = await this.accounts.findUserByEmail(email.trim());
    const passwordHash = user?.passwordHash ?? (await dummyPasswordHash());
    const matches = await verifyPassword(password, passwordHash);
    if (!user || user.passwordHash === null || !matches) {
      await this.record({
        origin,
        action: 'auth.login_failed',
        ...(user ? { targetType: 'user' as const, targetId: user.id } : {}),
        details: { email: email.trim().toLowerCase(), reason: 'wrong email or password' },
      });
      throw new Mem0Error('unauthenticated', 'The email or password is incorrect.');
    }
    if (user.disabledAt !== null) {
      await this.record({
        origin,
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email, reason: 'account disabled' },
      });
      throw accountDisabled();
    }

    const refreshToken = generateRefreshToken();
    const now = this.now();
    const session = await this.accounts.createSession({
      userId: user.id,
      refreshTokenHash: hashSecret(refreshToken),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.sessionLifetimeMs).toISOString(),
    });
    await this.record({
      origin,
      action: 'auth.login',
      actorId: user.id,
      targetType: 'session',
      targetId: session.id,
    });
    return this.tokensFor(user, session.id, refreshToken);
  }

  /**
   * Exchange a refresh token for a new access token and the next refresh token. A token
   * presented a second time means that two parties hold it, so the whole session is revoked.
   */
  async refresh(refreshToken: string, origin?: AuditOrigin): Promise<AuthTokens> {
    if (!hasSecretFormat(refreshToken, refreshTokenPrefix)) {
      throw invalidRefreshToken();
    }

    // A disabled account's token is rejected before rotation uses it up, so the session works
    // again, with the same token, once an administrator enables the account.
    const presented = await this.accounts.findRefreshToken(hashSecret(refreshToken));
    const session = presented && (await this.accounts.findSession(presented.sessionId));
    const owner = session && (await this.accounts.findUserById(session.userId));
    if (owner && owner.disabledAt !== null) {
      throw accountDisabled();
    }

    const next = generateRefreshToken();
    const now = this.timestamp();
    const grace = this.refreshReuseGraceMs;
    const outcome = await this.accounts.rotateRefreshToken({
      tokenHash: hashSecret(refreshToken),
      nextTokenHash: hashSecret(next),
      now,
      ...(grace > 0 ? { reusableSince: new Date(this.now() - grace).toISOString() } : {}),
    });

    switch (outcome.status) {
      case 'unknown':
        throw invalidRefreshToken();
      case 'revoked':
        throw new Mem0Error(
          'unauthenticated',
          'This session has ended: it was logged out or revoked. Log in again.',
        );
      case 'expired':
        throw new Mem0Error('unauthenticated', 'This session has expired. Log in again.');
      case 'reused':
        await this.accounts.revokeSession(outcome.session.id, sessionRevokedReasons.reuse, now);
        // The caller who presented the token may not be its owner, so the event names no actor.
        await this.record({
          origin,
          action: 'auth.refresh_reused',
          targetType: 'session',
          targetId: outcome.session.id,
          details: { userId: outcome.session.userId },
        });
        throw new Mem0Error(
          'unauthenticated',
          'This refresh token was already used, so someone else may hold a copy of it. The session has been revoked; log in again.',
        );
      case 'rotated':
        break;
    }

    // The account was read before the rotation; read it again only for another session.
    const user =
      owner && owner.id === outcome.session.userId
        ? owner
        : await this.accounts.findUserById(outcome.session.userId);
    if (!user) {
      await this.accounts.revokeSession(
        outcome.session.id,
        sessionRevokedReasons.userDisabled,
        now,
      );
      throw accountDisabled();
    }
    if (user.disabledAt !== null) {
      // The session stays, so that it works again once an administrator enables the account.
      throw accountDisabled();
    }
    return this.tokensFor(user, outcome.session.id, next);
  }

  /**
   * End the session of a refresh token. The access tokens already issued for it stop working
   * too, because `authenticate` checks their session.
   */
  async logout(refreshToken: string, origin?: AuditOrigin): Promise<void> {
    if (!hasSecretFormat(refreshToken, refreshTokenPrefix)) {
      throw invalidRefreshToken();
    }
    const token = await this.accounts.findRefreshToken(hashSecret(refreshToken));
    if (!token) {
      throw invalidRefreshToken();
    }
    await this.accounts.revokeSession(
      token.sessionId,
      sessionRevokedReasons.logout,
      this.timestamp(),
    );
    const session = await this.accounts.findSession(token.sessionId);
    await this.record({
      origin,
      action: 'auth.logout',
      actorId: session?.userId,
      targetType: 'session',
      targetId: token.sessionId,
    });
  }

  /** Look up a user by id, without the password hash; undefined when there is none. */
  async user(userId: string): Promise<User | undefined> {
    const user = await this.accounts.findUserById(userId);
    return user === undefined ? undefined : withoutPasswordHash(user);
  }

  /** Create an API key for a user. The returned `key` cannot be shown again. */
  async createApiKey(
    userId: string,
    request: NewApiKeyRequest,
    origin?: AuditOrigin,
  ): Promise<CreatedApiKey> {
    const name = parseKeyName(request.name);
    const scope = parseScope(request.scope);
    const expiresAt = this.parseKeyExpiry(request.expiresAt);

    const key = generateApiKey();
    const record = await this.accounts.createApiKey({
      userId,
      name,
      prefix: displayPrefix(key),
      keyHash: hashSecret(key),
      scope,
      createdAt: this.timestamp(),
      expiresAt,
    });
    await this.record({
      origin,
      action: 'api_key.create',
      actorId: userId,
      targetType: 'api_key',
      targetId: record.id,
      details: { name: record.name, scope: record.scope, prefix: record.prefix },
    });
    return { key, apiKey: withoutKeyHash(record) };
  }

  /** List the user's API keys, newest first, revoked and expired ones included. */
  async listApiKeys(userId: string): Promise<ApiKey[]> {
    const records = await this.accounts.listApiKeys(userId);
    return records.map(withoutKeyHash);
  }

  /** Revoke one of the user's API keys. Another user's key id is `not_found`, like an unknown one. */
  async revokeApiKey(userId: string, keyId: string, origin?: AuditOrigin): Promise<ApiKey> {
    const record = await this.accounts.revokeApiKey(userId, keyId, this.timestamp());
    if (!record) {
      throw notFound(`No API key with id ${keyId}. List your keys to see their ids.`);
    }
    await this.record({
      origin,
      action: 'api_key.revoke',
      actorId: userId,
      targetType: 'api_key',
      targetId: keyId,
      details: { name: record.name, scope: record.scope, prefix: record.prefix },
    });
    return withoutKeyHash(record);
  }

  /**
   * Identify the sender of a bearer credential: an API key (`m0k_…`) or an access token.
   * Rejects with `unauthenticated` unless the credential is valid now and its user is
   * enabled. An access token also needs a session that is neither revoked nor expired.
   */
  async authenticate(bearer: string): Promise<Principal> {
    if (bearer.startsWith(apiKeyPrefix)) {
      return this.authenticateApiKey(bearer);
    }
    if (bearer.startsWith(refreshTokenPrefix)) {
      throw new Mem0Error(
        'unauthenticated',
        'A refresh token cannot authenticate a request. Exchange it for an access token first.',
      );
    }
    return this.authenticateAccessToken(bearer);
  }

  private async authenticateApiKey(key: string): Promise<Principal> {
    if (!hasSecretFormat(key, apiKeyPrefix)) {
      throw invalidApiKey();
    }
    const record = await this.accounts.findApiKeyByHash(hashSecret(key));
    if (!record) {
      throw invalidApiKey();
    }

    const now = this.now();
    if (record.revokedAt !== null) {
      throw new Mem0Error('unauthenticated', 'This API key has been revoked. Create a new one.');
    }
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now) {
      throw new Mem0Error('unauthenticated', 'This API key has expired. Create a new one.');
    }
    const user = await this.accounts.findUserById(record.userId);
    if (!user || user.disabledAt !== null) {
      throw accountDisabled();
    }

    const lastUsed = record.lastUsedAt === null ? -Infinity : Date.parse(record.lastUsedAt);
    if (now - lastUsed >= apiKeyTouchIntervalMs) {
      await this.accounts.touchApiKey(record.id, new Date(now).toISOString());
    }
    return { userId: record.userId, scope: record.scope, via: 'api_key', keyId: record.id };
  }

  private async authenticateAccessToken(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);

    const session = await this.accounts.findSession(claims.sessionId);
    if (!session || session.userId !== claims.userId) {
      throw new Mem0Error('unauthenticated', 'The session of this access token does not exist.');
    }
    if (session.revokedAt !== null) {
      throw new Mem0Error(
        'unauthenticated',
        'The session of this access token has ended: it was logged out or revoked. Log in again.',
      );
    }
    if (Date.parse(session.expiresAt) <= this.now()) {
      throw new Mem0Error(
        'unauthenticated',
        'The session of this access token has expired. Log in again.',
      );
    }
    const user = await this.accounts.findUserById(claims.userId);
    if (!user || user.disabledAt !== null) {
      throw accountDisabled();
    }

    return { userId: user.id, scope: 'write', via: 'session', sessionId: session.id };
  }

  private tokensFor(user: UserRecord, sessionId: string, refreshToken: string): AuthTokens {
    return {
      accessToken: this.tokens.issue(user.id, sessionId),
      refreshToken,
      expiresIn: this.tokens.lifetimeSeconds,
      user: withoutPasswordHash(user),
    };
  }

  private parseKeyExpiry(value: string | null | undefined): string | null {
    if (value === undefined || value === null) {
      return null;
    }
    const time = Date.parse(value);
    if (Number.isNaN(time)) {
      throw new Mem0Error(
        'validation_failed',
        `The expiry "${value}" is not an ISO 8601 date-time such as 2027-01-31T00:00:00Z.`,
        { details: { field: 'expiresAt' } },
      );
    }
    if (time <= this.now()) {
      throw new Mem0Error(
        'validation_failed',
        `The expiry ${new Date(time).toISOString()} is in the past. Choose a time in the future, or none for a key that does not expire.`,
        { details: { field: 'expiresAt' } },
      );
    }
    return new Date(time).toISOString();
  }

  /** Pass an entry to the audit recorder, and ignore its failure so that the action stands. */
  private async record(entry: AuditEntry): Promise<void> {
    try {
      await this.audit?.(entry);
    } catch {
      // The recorder logs its own failures; the action it describes has already happened.
    }
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Return the hash that login verifies against when the email is unknown. It is made once per
 * process from a random password that no one knows.
 */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
  return dummyHash;
}

function parseEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > maxEmailChars || !emailPattern.test(email)) {
    throw new Mem0Error(
      'validation_failed',
      `"${email.slice(0, 60)}" is not an email address. Use the form name@example.com.`,
      { details: { field: 'email' } },
    );
  }
  return email;
}

function parseName(value: string | null | undefined): string | null {
  const name = value?.trim() ?? '';
  if (name === '') {
    return null;
  }
  if (codePointLength(name) > maxNameChars) {
    throw new Mem0Error(
      'validation_failed',
      `The name is too long: use at most ${maxNameChars} characters.`,
      { details: { field: 'name' } },
    );
  }
  return name;
}

function parseKeyName(value: string): string {
  const name = value.trim();
  if (name === '' || codePointLength(name) > maxKeyNameChars) {
    throw new Mem0Error(
      'validation_failed',
      `An API key needs a name of 1 to ${maxKeyNameChars} characters, such as the machine or tool that uses it.`,
      { details: { field: 'name' } },
    );
  }
  return name;
}

function parseScope(value: string): ApiKeyScope {
  if (!(apiKeyScopes as readonly string[]).includes(value)) {
    throw new Mem0Error(
      'validation_failed',
      `The scope "${value}" is not one of ${apiKeyScopes.join(', ')}.`,
      { details: { field: 'scope' } },
    );
  }
  return value as ApiKeyScope;
}

/** Describe how to open registration, given where the policy was set. */
function howToOpen(setBy: 'environment' | 'administrator', current: string): string {
  return setBy === 'environment'
    ? `(MEM0_REGISTRATION=${current}). Ask a team admin for an invite, or its administrator to open it while you register, with "mem0 admin registration open" or MEM0_REGISTRATION=open.`
    : `(set by an administrator). Ask a team admin for an invite, or an administrator to open it while you register, with "mem0 admin registration open".`;
}

function registrationClosed(setBy: 'environment' | 'administrator'): Mem0Error {
  return new Mem0Error(
    'forbidden',
    `Registration is closed on this server ${howToOpen(setBy, 'closed')}`,
  );
}

function firstUserOnly(setBy: 'environment' | 'administrator'): Mem0Error {
  return new Mem0Error(
    'forbidden',
    `Registration is closed: this server lets only its first account register, and that account exists ${howToOpen(setBy, 'first-user')}`,
  );
}

/** The `reason` in the details of the error for a disabled account, which clients check. */
const accountDisabledReason = 'account_disabled';

function accountDisabled(): Mem0Error {
  return new Mem0Error(
    'unauthenticated',
    'This account is disabled. Ask the server administrator to enable it.',
    { details: { reason: accountDisabledReason } },
  );
}

function invalidRefreshToken(): Mem0Error {
  return new Mem0Error('unauthenticated', 'The refresh token is invalid. Log in again.');
}

function invalidApiKey(): Mem0Error {
  return new Mem0Error(
    'unauthenticated',
    'The API key is invalid. Check that it was copied whole, or create a new one.',
  );
}

function withoutPasswordHash(user: UserRecord): User {
  const { passwordHash: _passwordHash, ...rest } = user;
  return rest;
}

function withoutKeyHash(record: ApiKeyRecord): ApiKey {
  const { keyHash: _keyHash, ...rest } = record;
  return rest;
}
