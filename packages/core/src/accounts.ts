/** The access an API key grants: read memories, or read and change them. */
export const apiKeyScopes = ['read', 'write'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * A registered user of a team server, or the implicit local user of a local database. All
 * timestamps in this file are ISO 8601 strings in UTC with milliseconds.
 */
export interface UserRecord {
  id: string;
  /** Lower-cased; null only for the implicit local user. */
  email: string | null;
  name: string | null;
  /** Encoded scrypt hash (`scrypt$N$r$p$salt$hash`); null for the implicit local user. */
  passwordHash: string | null;
  isAdmin: boolean;
  disabledAt: string | null;
  createdAt: string;
}

/** One login: the family of refresh tokens issued from it. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  /** After this time no refresh token of the session is accepted. */
  expiresAt: string;
  revokedAt: string | null;
  /** The reason the session was revoked, such as `logout` or `refresh_token_reused`. */
  revokedReason: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  /** SHA-256 of the token, in hex; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
  /** When the token was exchanged for the next one; a token is accepted once. */
  usedAt: string | null;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the key, shown in lists to tell keys apart. */
  prefix: string;
  /** SHA-256 of the key, in hex; the key itself is never stored. */
  keyHash: string;
  scope: ApiKeyScope;
  createdAt: string;
  expiresAt: string | null;
  /** Updated when the key authenticates a request, at most about once a minute. */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewUser {
  /** Stored lower-cased. */
  email: string;
  name: string | null;
  passwordHash: string;
  createdAt: string;
}

export interface NewSession {
  userId: string;
  /** Hash of the session's first refresh token. */
  refreshTokenHash: string;
  createdAt: string;
  expiresAt: string;
}

export interface RefreshTokenRotation {
  /** Hash of the token the client presented. */
  tokenHash: string;
  /** Hash of the token that replaces it. */
  nextTokenHash: string;
  now: string;
  /**
   * A token that was already used at or after this time is rotated again instead of reported
   * as reused: the grace window for clients that refresh from two processes at once.
   */
  reusableSince?: string;
}

/**
 * The result of presenting a refresh token. `reused` means the token had already been
 * exchanged: either the client retried or someone else has a copy, so the caller should
 * revoke the session. Nothing is written unless the status is `rotated`.
 */
export type RotationOutcome =
  | { status: 'rotated'; session: SessionRecord; token: RefreshTokenRecord }
  | { status: 'reused'; session: SessionRecord }
  | { status: 'revoked'; session: SessionRecord }
  | { status: 'expired'; session: SessionRecord }
  | { status: 'unknown' };

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scope: ApiKeyScope;
  createdAt: string;
  expiresAt: string | null;
}

/**
 * The storage of users, sessions, refresh tokens and API keys. The PostgreSQL and SQLite
 * repositories in `@memzero/db` implement it. Methods that find a record resolve to
 * `undefined` when there is none; they reject only on database faults and on the conflicts
 * documented below.
 */
export interface AccountRepository {
  /**
   * Insert a user and its `default` context in one transaction. The user becomes an admin when
   * no other user with a password exists, decided inside the transaction so that two first
   * registrations cannot both become admin. Rejects with `conflict` when the email is taken.
   */
  createUser(input: NewUser): Promise<UserRecord>;
  /**
   * Like `createUser`, but only when no user with a password exists yet; otherwise inserts
   * nothing and resolves to `undefined`.
   */
  createFirstUser(input: NewUser): Promise<UserRecord | undefined>;
  /** The number of users with a password; the implicit local user does not count. */
  countUsers(): Promise<number>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** Compares lower-cased. */
  findUserByEmail(email: string): Promise<UserRecord | undefined>;

  /** Insert a session with its first refresh token. */
  createSession(input: NewSession): Promise<SessionRecord>;
  findSession(id: string): Promise<SessionRecord | undefined>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Mark the presented token used and insert the next one of its session, in one transaction
   * that locks the presented token, so two concurrent uses of one token cannot both rotate.
   */
  rotateRefreshToken(rotation: RefreshTokenRotation): Promise<RotationOutcome>;
  /**
   * Revoke a session, and with it every refresh token of its family. Returns false when the
   * session does not exist or was already revoked, which keeps its first reason.
   */
  revokeSession(sessionId: string, reason: string, now: string): Promise<boolean>;

  createApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /** The user's keys, revoked and expired ones included, newest first. */
  listApiKeys(userId: string): Promise<ApiKeyRecord[]>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Revoke one of the user's keys and return it; an already revoked key keeps its first
   * revocation time. Resolves to `undefined` when the user has no key with this id, including
   * when the id belongs to another user's key.
   */
  revokeApiKey(userId: string, keyId: string, now: string): Promise<ApiKeyRecord | undefined>;
  /** Set the key's `lastUsedAt`. */
  touchApiKey(keyId: string, now: string): Promise<void>;
}
