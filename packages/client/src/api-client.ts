import {
  type AuditEvent,
  isMem0Error,
  Mem0Error,
  type Share,
  type Team,
  type TeamMember,
  type TeamRole,
  type TeamInvite,
} from '@memzero/core';

import {
  accountDisabledError,
  errorFromResponse,
  isTimeout,
  sessionEndedError,
  unreachableError,
} from './errors.js';
import { backoffDelay, retryAfterDelay, sleep } from './retry.js';
import type {
  ApiClientOptions,
  ApiKey,
  AuditQuery,
  AuthTokens,
  CreatedApiKey,
  CreatedInvite,
  CreatedShare,
  Credentials,
  Me,
  NewApiKeyInput,
  NewInviteInput,
  NewShareInput,
  Page,
  RegistrationSetting,
  SessionTokens,
  User,
} from './types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request to the API, as `ApiClient.request` sends it. */
export interface RequestSpec {
  method: HttpMethod;
  /** The path under the base URL, such as `/v1/memories`. */
  path: string;
  query?: URLSearchParams;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Whether sending the request twice has the effect of sending it once. Only such requests
   * are retried after a network error, a timeout or a 502, 503 or 504, because the server may
   * have done the work before the failure. Every request is retried after a 429, which the
   * server's rate limiter sends before any work is done.
   */
  idempotent: boolean;
  /** Send without credentials, as the routes that take a password or a refresh token expect. */
  anonymous?: boolean;
  /**
   * Creates the abort signal of one attempt; by default the attempt times out after the
   * client's `timeoutMs`. A stream passes a signal that it re-arms after every chunk.
   */
  signal?: () => AbortSignal;
}

interface SessionState {
  accessToken: string | undefined;
  /** When the access token expires by this machine's clock, in milliseconds; undefined if unknown. */
  accessExpiresAt: number | undefined;
  refreshToken: string;
  onTokens: ((tokens: SessionTokens) => Promise<void> | void) | undefined;
  /** Set once the server rejected the refresh token; every later request fails with it. */
  ended?: Mem0Error;
}

const defaultTimeoutMs = 10_000;
const defaultRetries = 3;

/** Return the JWT `exp` claim in milliseconds, read without verification, as an expiry hint. */
function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Parse the base URL and return it with the form shown in messages, which has no credentials. */
function parseBaseUrl(baseUrl: string): { base: URL; display: string } {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new Mem0Error(
      'invalid_argument',
      'The server URL is not a valid URL. Give one such as http://127.0.0.1:8080.',
    );
  }

  const path = base.pathname.replace(/\/+$/, '');
  const display = `${base.protocol}//${base.host}${path}`;
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Mem0Error(
      'invalid_argument',
      `The server URL ${display} must start with http:// or https://.`,
    );
  }
  if (base.username !== '' || base.password !== '') {
    throw new Mem0Error(
      'invalid_argument',
      `The server URL ${display} must not contain a user name or password. Remove them and pass an API key or log in instead.`,
    );
  }
  return { base, display };
}

function teamPath(name: string): string {
  return `/v1/teams/${encodeURIComponent(name)}`;
}

/** Build the query string of an audit log request from the filters that are set. */
function auditParameters(query: AuditQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(name, String(value));
    }
  }
  return params;
}

/**
 * The typed HTTP client of the mem0 API (`/v1`): account routes, and the requests that
 * `RemoteStore` builds on. It times out and retries requests, keeps a session's access token
 * fresh, and turns every failure into a `Mem0Error` that never contains a credential.
 */
export class ApiClient {
  /** The server's URL without credentials, for messages. */
  readonly server: string;
  private readonly base: URL;
  /** How long one attempt may take, in milliseconds. */
  readonly timeoutMs: number;
  private readonly retries: number;
  private readonly userAgent: string;
  private apiKey: string | undefined;
  private session: SessionState | undefined;
  /** The refresh in progress, which every request that needs new tokens waits for. */
  private refreshing: Promise<AuthTokens> | undefined;

  constructor(options: ApiClientOptions) {
    const { base, display } = parseBaseUrl(options.baseUrl);
    this.base = base;
    this.server = display;

    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new Mem0Error(
        'invalid_argument',
        'The timeout must be a positive number of milliseconds.',
      );
    }
    this.retries = options.retries ?? defaultRetries;
    if (!Number.isInteger(this.retries) || this.retries < 0) {
      throw new Mem0Error(
        'invalid_argument',
        'The number of retries must be a whole number, 0 or more.',
      );
    }
    this.userAgent = options.userAgent ?? `mem0-client (Node.js ${process.version})`;
    this.useCredentials(options.credentials);
  }

  /**
   * Create an account and sign in to it; the client then uses the new session. With
   * `inviteToken`, the account joins the invite's team, and the result has `team`. A valid
   * invite for the email lets it register even where the server's registration is closed.
   */
  async register(input: {
    email: string;
    password: string;
    name?: string;
    inviteToken?: string;
  }): Promise<AuthTokens> {
    const tokens = await this.requestJson<AuthTokens>({
      method: 'POST',
      path: '/v1/auth/register',
      body: input,
      idempotent: false,
      anonymous: true,
    });
    await this.adoptTokens(tokens, this.session?.onTokens);
    return tokens;
  }

  /**
   * Sign in with email and password; the client then uses the new session. With `inviteToken`,
   * the user joins the invite's team, and the result has `team`.
   */
  async login(
    email: string,
    password: string,
    options: { inviteToken?: string } = {},
  ): Promise<AuthTokens> {
    const tokens = await this.requestJson<AuthTokens>({
      method: 'POST',
      path: '/v1/auth/login',
      body: { email, password, ...options },
      idempotent: false,
      anonymous: true,
    });
    await this.adoptTokens(tokens, this.session?.onTokens);
    return tokens;
  }

  /**
   * Exchange the refresh token for new tokens now. Requests refresh on their own when needed;
   * concurrent calls share one exchange.
   */
  async refresh(): Promise<AuthTokens> {
    return this.sharedRefresh();
  }

  /** End the session on the server; the client then has no credentials. */
  async logout(): Promise<void> {
    const session = this.session;
    if (session === undefined) {
      throw new Mem0Error('invalid_argument', 'This client has no session to log out of.');
    }
    await this.requestJson<void>({
      method: 'POST',
      path: '/v1/auth/logout',
      body: { refreshToken: session.refreshToken },
      idempotent: false,
      anonymous: true,
    });
    this.session = undefined;
  }

  /** Fetch the user and scope of the client's credential. */
  async me(): Promise<Me> {
    return this.requestJson<Me>({ method: 'GET', path: '/v1/me', idempotent: true });
  }

  /** Create an API key; the returned `key` is shown only this once. */
  async createApiKey(input: NewApiKeyInput): Promise<CreatedApiKey> {
    return this.requestJson<CreatedApiKey>({
      method: 'POST',
      path: '/v1/api-keys',
      body: input,
      idempotent: false,
    });
  }

  /** List the user's API keys, revoked and expired ones included, newest first. */
  async listApiKeys(): Promise<ApiKey[]> {
    const page = await this.requestJson<{ items: ApiKey[] }>({
      method: 'GET',
      path: '/v1/api-keys',
      idempotent: true,
    });
    return page.items;
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.requestJson<void>({
      method: 'DELETE',
      path: `/v1/api-keys/${encodeURIComponent(id)}`,
      idempotent: true,
    });
  }

  /** List the server's accounts, oldest first (administrators only). */
  async listUsers(cursor?: string): Promise<Page<User>> {
    const query = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
    return this.requestJson<Page<User>>({
      method: 'GET',
      path: '/v1/admin/users',
      query,
      idempotent: true,
    });
  }

  /** Disable or enable an account (administrators only) and return it. */
  async setUserDisabled(userId: string, disabled: boolean): Promise<User> {
    return this.requestJson<User>({
      method: 'POST',
      path: `/v1/admin/users/${encodeURIComponent(userId)}/${disabled ? 'disable' : 'enable'}`,
      idempotent: true,
    });
  }

  /** Make an account an administrator, or take the role away (administrators only). */
  async setUserAdmin(userId: string, admin: boolean): Promise<User> {
    return this.requestJson<User>({
      method: admin ? 'PUT' : 'DELETE',
      path: `/v1/admin/users/${encodeURIComponent(userId)}/admin`,
      idempotent: true,
    });
  }

  async registration(): Promise<RegistrationSetting> {
    return this.requestJson<RegistrationSetting>({
      method: 'GET',
      path: '/v1/admin/registration',
      idempotent: true,
    });
  }

  async setRegistration(policy: RegistrationSetting['policy']): Promise<RegistrationSetting> {
    return this.requestJson<RegistrationSetting>({
      method: 'PUT',
      path: '/v1/admin/registration',
      body: { policy },
      idempotent: true,
    });
  }

  /** Drop the administrator's registration policy, so that the server's environment applies. */
  async resetRegistration(): Promise<RegistrationSetting> {
    return this.requestJson<RegistrationSetting>({
      method: 'DELETE',
      path: '/v1/admin/registration',
      idempotent: true,
    });
  }

  /** Read a page of the audit log, newest first (administrators only). */
  async audit(query: AuditQuery): Promise<Page<AuditEvent>> {
    return this.requestJson<Page<AuditEvent>>({
      method: 'GET',
      path: '/v1/admin/audit',
      query: auditParameters(query),
      idempotent: true,
    });
  }

  /** List the teams the user belongs to, by name, with the user's role in each. */
  async listTeams(): Promise<Team[]> {
    const page = await this.requestJson<Page<Team>>({
      method: 'GET',
      path: '/v1/teams',
      idempotent: true,
    });
    return page.items;
  }

  /** Create a team with the user as its owner. */
  async createTeam(name: string): Promise<Team> {
    return this.requestJson<Team>({
      method: 'POST',
      path: '/v1/teams',
      body: { name },
      idempotent: false,
    });
  }

  /** Fetch one of the user's teams by name. */
  async team(name: string): Promise<Team> {
    return this.requestJson<Team>({ method: 'GET', path: teamPath(name), idempotent: true });
  }

  /** Rename a team (owners only); its contexts are then named with the new name. */
  async renameTeam(name: string, newName: string): Promise<Team> {
    return this.requestJson<Team>({
      method: 'PATCH',
      path: teamPath(name),
      body: { name: newName },
      idempotent: true,
    });
  }

  /**
   * Delete a team with its contexts, invites and shares (owners only). While its contexts hold
   * memories the server rejects it with `conflict`, unless `deleteMemories` is set.
   */
  async deleteTeam(
    name: string,
    options: { deleteMemories?: boolean } = {},
  ): Promise<{ deletedMemories: number }> {
    const query = new URLSearchParams(options.deleteMemories ? { deleteMemories: 'true' } : {});
    return this.requestJson<{ deletedMemories: number }>({
      method: 'DELETE',
      path: teamPath(name),
      query,
      idempotent: false,
    });
  }

  /** List the members of a team, owners first. */
  async teamMembers(team: string): Promise<TeamMember[]> {
    const page = await this.requestJson<Page<TeamMember>>({
      method: 'GET',
      path: `${teamPath(team)}/members`,
      idempotent: true,
    });
    return page.items;
  }

  /** Change the role of a member, named by email or user id, and return the member. */
  async changeMemberRole(team: string, member: string, role: TeamRole): Promise<TeamMember> {
    return this.requestJson<TeamMember>({
      method: 'PATCH',
      path: `${teamPath(team)}/members/${encodeURIComponent(member)}`,
      body: { role },
      idempotent: true,
    });
  }

  /** Remove a member, named by email or user id; removing yourself leaves the team. */
  async removeMember(team: string, member: string): Promise<void> {
    await this.requestJson<void>({
      method: 'DELETE',
      path: `${teamPath(team)}/members/${encodeURIComponent(member)}`,
      idempotent: false,
    });
  }

  /** List the invites of a team, newest first, without their tokens (owners and admins). */
  async teamInvites(team: string): Promise<TeamInvite[]> {
    const page = await this.requestJson<Page<TeamInvite>>({
      method: 'GET',
      path: `${teamPath(team)}/invites`,
      idempotent: true,
    });
    return page.items;
  }

  /** Invite an email address to a team; the returned `token` is shown only this once. */
  async createInvite(team: string, input: NewInviteInput): Promise<CreatedInvite> {
    return this.requestJson<CreatedInvite>({
      method: 'POST',
      path: `${teamPath(team)}/invites`,
      body: input,
      idempotent: false,
    });
  }

  /** Revoke an invite that was not used yet. */
  async revokeInvite(team: string, id: string): Promise<void> {
    await this.requestJson<void>({
      method: 'DELETE',
      path: `${teamPath(team)}/invites/${encodeURIComponent(id)}`,
      idempotent: true,
    });
  }

  /** Redeem an invite token made for the user's email, and return the team joined. */
  async acceptInvite(token: string): Promise<Team> {
    return this.requestJson<Team>({
      method: 'POST',
      path: '/v1/invites/accept',
      body: { token },
      idempotent: false,
    });
  }

  /** Read a page of a team's audit log, newest first (the team's owners only). */
  async teamAudit(team: string, query: AuditQuery): Promise<Page<AuditEvent>> {
    return this.requestJson<Page<AuditEvent>>({
      method: 'GET',
      path: `${teamPath(team)}/audit`,
      query: auditParameters(query),
      idempotent: true,
    });
  }

  /** List the shares of the contexts the user manages, or of one such context. */
  async listShares(context?: string): Promise<Share[]> {
    const page = await this.requestJson<Page<Share>>({
      method: 'GET',
      path: '/v1/shares',
      query: new URLSearchParams(context === undefined ? {} : { context }),
      idempotent: true,
    });
    return page.items;
  }

  /**
   * Share a context with a user (by email) or a team (by name), or change the permission of the
   * existing share. `created` is true when the share is new.
   */
  async share(input: NewShareInput): Promise<CreatedShare> {
    return this.requestJson<CreatedShare>({
      method: 'POST',
      path: '/v1/shares',
      body: input,
      idempotent: false,
    });
  }

  /** Revoke a share; access through it ends at once. */
  async revokeShare(id: string): Promise<void> {
    await this.requestJson<void>({
      method: 'DELETE',
      path: `/v1/shares/${encodeURIComponent(id)}`,
      idempotent: true,
    });
  }

  /** Send a request and parse the JSON of a successful response; a 204 resolves to undefined. */
  async requestJson<T>(spec: RequestSpec): Promise<T> {
    const response = await this.request(spec);
    if (response.status === 204) {
      await response.body?.cancel();
      return undefined as T;
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      if (isTimeout(error)) {
        throw unreachableError(this.server, error, this.timeoutMs);
      }
      throw new Mem0Error(
        'internal',
        `The mem0 server at ${this.server} sent a response that is not valid JSON. Check that the URL points at a mem0 server.`,
        { cause: error },
      );
    }
  }

  /**
   * Send a request with the client's credential and return the successful response with its
   * body unread; reject with a `Mem0Error` on any failure. A session's access token is
   * refreshed before sending when it is known to be expired, and once after a 401.
   */
  async request(spec: RequestSpec): Promise<Response> {
    for (let renewed = false; ; renewed = true) {
      const token = spec.anonymous === true ? undefined : await this.bearerToken();
      const session = this.session;
      const sentWithSession = token !== undefined && session?.accessToken === token;

      const response = await this.send(spec, token);
      if (response.ok) {
        return response;
      }
      if (response.status === 401 && sentWithSession && !renewed) {
        await response.body?.cancel();
        // Another request may have renewed the token while this one was in flight.
        if (this.session?.accessToken === token) {
          await this.sharedRefresh();
        }
        continue;
      }
      throw await errorFromResponse(response, this.server);
    }
  }

  private useCredentials(credentials: Credentials | undefined): void {
    this.apiKey = undefined;
    this.session = undefined;
    if (credentials?.kind === 'api_key') {
      this.apiKey = credentials.key;
    } else if (credentials?.kind === 'session') {
      this.session = {
        accessToken: credentials.accessToken,
        accessExpiresAt:
          credentials.accessToken === undefined ? undefined : tokenExpiry(credentials.accessToken),
        refreshToken: credentials.refreshToken,
        onTokens: credentials.onTokens,
      };
    }
  }

  private async adoptTokens(tokens: AuthTokens, onTokens: SessionState['onTokens']): Promise<void> {
    this.apiKey = undefined;
    this.session = {
      accessToken: tokens.accessToken,
      accessExpiresAt: Date.now() + tokens.expiresIn * 1000,
      refreshToken: tokens.refreshToken,
      onTokens,
    };
    await onTokens?.({
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresIn: tokens.expiresIn,
    });
  }

  /** Return the token for the Authorization header, refreshing an expired access token first. */
  private async bearerToken(): Promise<string> {
    if (this.apiKey !== undefined) {
      return this.apiKey;
    }
    const session = this.session;
    if (session === undefined) {
      throw new Mem0Error(
        'unauthenticated',
        `No credentials for the mem0 server at ${this.server}. Run "mem0 login", or give an API key.`,
      );
    }
    if (session.ended) {
      throw session.ended;
    }

    const expired = session.accessExpiresAt !== undefined && Date.now() >= session.accessExpiresAt;
    if (session.accessToken === undefined || expired) {
      return (await this.sharedRefresh()).accessToken;
    }
    return session.accessToken;
  }

  private sharedRefresh(): Promise<AuthTokens> {
    if (this.refreshing === undefined) {
      this.refreshing = this.exchangeRefreshToken().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async exchangeRefreshToken(): Promise<AuthTokens> {
    const session = this.session;
    if (session === undefined) {
      throw new Mem0Error(
        'unauthenticated',
        `No session on the mem0 server at ${this.server}. Run "mem0 login" to sign in.`,
      );
    }
    if (session.ended) {
      throw session.ended;
    }

    let tokens: AuthTokens;
    try {
      // Not retried after a 503 or a lost response: the server may have rotated the token,
      // and presenting the old one again would count as reuse and revoke the session.
      tokens = await this.requestJson<AuthTokens>({
        method: 'POST',
        path: '/v1/auth/refresh',
        body: { refreshToken: session.refreshToken },
        idempotent: false,
        anonymous: true,
      });
    } catch (error) {
      const rejected =
        isMem0Error(error) &&
        ['unauthenticated', 'forbidden', 'invalid_argument', 'validation_failed'].includes(
          error.code,
        );
      if (rejected) {
        session.ended =
          error.details?.reason === 'account_disabled'
            ? accountDisabledError(this.server, error.message)
            : sessionEndedError(this.server, error.message);
        throw session.ended;
      }
      throw error;
    }

    await this.adoptTokens(tokens, session.onTokens);
    return tokens;
  }

  /** Send one request, retrying as `RequestSpec.idempotent` describes. */
  private async send(spec: RequestSpec, token: string | undefined): Promise<Response> {
    const url = this.urlFor(spec);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    if (token !== undefined) {
      headers.Authorization = `Bearer ${token}`;
    }
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }

    for (let attempt = 1; ; attempt++) {
      const mayRetry = attempt <= this.retries;
      let response: Response;
      try {
        response = await fetch(url, {
          method: spec.method,
          headers,
          body,
          signal: spec.signal?.() ?? AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if (spec.idempotent && mayRetry) {
          await sleep(backoffDelay(attempt));
          continue;
        }
        throw unreachableError(this.server, error, this.timeoutMs);
      }

      const retryable =
        response.status === 429 || (spec.idempotent && [502, 503, 504].includes(response.status));
      if (!retryable || !mayRetry) {
        return response;
      }
      await response.body?.cancel();
      await sleep(retryAfterDelay(response.headers.get('retry-after')) ?? backoffDelay(attempt));
    }
  }

  private urlFor(spec: RequestSpec): URL {
    const url = new URL(this.base.href);
    url.pathname = `${this.base.pathname.replace(/\/+$/, '')}${spec.path}`;
    url.search = spec.query?.toString() ?? '';
    return url;
  }
}
