/** The scopes a caller can hold: `read` only reads memories, `write` also changes them. */
export type Scope = 'read' | 'write';

/** Method a caller used to prove who they are. */
export type AuthenticationMethod = 'session' | 'api_key' | 'local_token';

/** The authenticated caller of a request: who acts, what they may do and how they signed in. */
export interface Principal {
  userId: string;
  scope: Scope;
  via: AuthenticationMethod;
  /** The session that issued the access token, when `via` is `session`. */
  sessionId?: string;
  /** The API key used, when `via` is `api_key`. */
  keyId?: string;
}

/**
 * Resolves a bearer token to the caller it belongs to. Rejects with a `Mem0Error` of code
 * `unauthenticated` when the token is unknown, expired or revoked.
 */
export type Authenticate = (token: string) => Promise<Principal>;
