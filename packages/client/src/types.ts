import type {
  ApiKeyRecord,
  ApiKeyScope,
  Share,
  SharePermission,
  Team,
  TeamInvite,
  TeamRole,
  UserRecord,
} from '@memzero/core';

/** The tokens of a session, as passed to `onTokens`. */
export interface SessionTokens {
  accessToken: string;
  /** Single use: the server rotates it on every refresh. */
  refreshToken: string;
  /** Lifetime of the access token, in seconds. */
  expiresIn: number;
}

/** A registered user, without the password hash. */
export type User = Omit<UserRecord, 'passwordHash'>;

/** The result of a registration, a login or a refresh. */
export interface AuthTokens extends SessionTokens {
  user: User;
  /** The team joined, when a registration or login passed an invite token. */
  team?: Team;
}

/** A credential of the client: an API key, or a session that the client keeps fresh. */
export type Credentials =
  | { kind: 'api_key'; key: string }
  | {
      kind: 'session';
      /** When absent, the client refreshes before its first request. */
      accessToken?: string;
      refreshToken: string;
      /**
       * Called with every new pair of tokens (login, registration, refresh), so that the caller
       * can store the new refresh token: the old one no longer works. A rejection is passed on
       * to the request that caused the refresh.
       */
      onTokens?: (tokens: SessionTokens) => Promise<void> | void;
    };

export interface ApiClientOptions {
  /** The server's address, such as `http://127.0.0.1:8080`; a path prefix is kept. */
  baseUrl: string;
  credentials?: Credentials;
  /** How long one attempt may take, response body included, in milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Retries of an idempotent request after a network error, 429 or 503 (default 3). */
  retries?: number;
  /** The User-Agent header (default `mem0-client/<version>`). */
  userAgent?: string;
}

/** The caller of a request as `GET /v1/me` describes it. */
export interface Me extends User {
  via: 'session' | 'api_key';
  scope: ApiKeyScope;
}

/** An API key, without its secret. */
export type ApiKey = Omit<ApiKeyRecord, 'keyHash'>;

/** A new API key with its secret, which the server shows only in this response. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface NewApiKeyInput {
  name: string;
  scope: ApiKeyScope;
  /** ISO 8601 time after which the key stops working; never when absent. */
  expiresAt?: string;
}

/** The registration policy of a server, and whether an administrator or the environment set it. */
export interface RegistrationSetting {
  policy: 'open' | 'first-user' | 'closed';
  source: 'administrator' | 'environment';
}

/** One page of a list that the server pages with cursors. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The filters of an audit log request; each one that is set narrows the events. */
export interface AuditQuery {
  /** An account by email or id. */
  actor?: string | undefined;
  action?: string | undefined;
  /** ISO 8601 time; only events at or after it. */
  since?: string | undefined;
  /** ISO 8601 time; only events before it. */
  until?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface NewInviteInput {
  email: string;
  /** The role the invitee gets on joining (default `member`). */
  role?: TeamRole;
  /** ISO 8601 time after which the token stops working; the server's default when absent. */
  expiresAt?: string;
}

/** A new invite with its token, which the server shows only in this response. */
export interface CreatedInvite extends TeamInvite {
  token: string;
}

/** A share to create or change: exactly one of `user` (an email) and `team` (a team name). */
export interface NewShareInput {
  context: string;
  user?: string;
  team?: string;
  /** Default `read`. */
  permission?: SharePermission;
}

/** A share as `POST /v1/shares` returns it; `created` is false when it existed already. */
export interface CreatedShare extends Share {
  created: boolean;
  /** False when the share existed with this permission already. */
  changed: boolean;
}
