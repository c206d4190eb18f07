import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  randomUUID,
} from 'node:crypto';

import jwt from 'jsonwebtoken';

import { Mem0Error } from '@memzero/core';

/** The signature algorithms an access token may use; the configuration picks exactly one. */
export const accessTokenAlgorithms = ['HS256', 'RS256', 'ES256'] as const;
export type AccessTokenAlgorithm = (typeof accessTokenAlgorithms)[number];

/**
 * The signing keys of access tokens: HS256 with a shared secret of at least 32 bytes, or RS256
 * (RSA of at least 2048 bits) or ES256 (P-256) with a key pair in PEM. The API server reads
 * the PEM files named in its configuration and passes their contents here.
 */
export type AccessTokenKeys =
  | { algorithm: 'HS256'; secret: string | Buffer }
  | { algorithm: 'RS256' | 'ES256'; privateKey: string | Buffer; publicKey: string | Buffer };

export type AccessTokenConfig = AccessTokenKeys & {
  /** The `iss` claim written and required, such as the server's public URL. */
  issuer: string;
  /** The `aud` claim written and required. */
  audience: string;
  /** Lifetime of an access token, in seconds; 15 minutes unless set. */
  lifetimeSeconds?: number;
};

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  /** The `jti` claim: a random id unique to the token. */
  tokenId: string;
  /** `iat` and `exp`, in seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export const defaultAccessTokenLifetimeSeconds = 15 * 60;

/** Leeway for clocks that disagree between servers, in seconds, on `exp`, `nbf` and `iat`. */
export const clockToleranceSeconds = 5;

export const minSecretBytes = 32;

// A token of mem0 is about 400 characters; anything far longer is rejected without parsing.
const maxTokenLength = 4096;

/**
 * Issues and verifies the short-lived JWT access tokens of a session. Verification accepts
 * only the configured algorithm, issuer and audience, so a token signed with `none`, with
 * another algorithm or for another service is rejected.
 */
export class AccessTokens {
  readonly algorithm: AccessTokenAlgorithm;
  readonly lifetimeSeconds: number;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly signingKey: KeyObject;
  private readonly verificationKey: KeyObject;
  private readonly now: () => number;

  /** Rejects a weak or mismatched key with `invalid_argument`, at start-up rather than at first use. */
  constructor(config: AccessTokenConfig, now: () => number = Date.now) {
    this.algorithm = config.algorithm;
    this.issuer = config.issuer;
    this.audience = config.audience;
    this.lifetimeSeconds = config.lifetimeSeconds ?? defaultAccessTokenLifetimeSeconds;
    this.now = now;

    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds <= 0) {
      throw new Mem0Error(
        'invalid_argument',
        `The access token lifetime must be a positive whole number of seconds, not ${this.lifetimeSeconds}.`,
      );
    }
    if (config.issuer === '' || config.audience === '') {
      throw new Mem0Error(
        'invalid_argument',
        'The access token issuer and audience must not be empty.',
      );
    }

    const keys = loadKeys(config);
    this.signingKey = keys.signing;
    this.verificationKey = keys.verification;
  }

  /** Sign an access token for a user's session. */
  issue(userId: string, sessionId: string): string {
    return jwt.sign({ sid: sessionId, iat: this.nowSeconds() }, this.signingKey, {
      algorithm: this.algorithm,
      expiresIn: this.lifetimeSeconds,
      issuer: this.issuer,
      audience: this.audience,
      subject: userId,
      jwtid: randomUUID(),
    });
  }

  /**
   * Check an access token's signature, algorithm, issuer, audience and times. Rejects every
   * failure with `unauthenticated` and a message that does not repeat the token.
   */
  verify(token: string): AccessTokenClaims {
    if (token.length > maxTokenLength) {
      throw invalidToken('invalid');
    }

    const now = this.nowSeconds();
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.verificationKey, {
        algorithms: [this.algorithm],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: clockToleranceSeconds,
        clockTimestamp: now,
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) {
        throw invalidToken('expired', error);
      }
      if (error instanceof jwt.NotBeforeError) {
        throw invalidToken('not_yet_valid', error);
      }
      throw invalidToken('invalid', error);
    }

    if (
      typeof payload === 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.iat !== 'number' ||
      typeof payload.exp !== 'number'
    ) {
      throw invalidToken('invalid');
    }
    // jsonwebtoken checks `iat` only against maxAge. A token issued in the future was made
    // with a wrong clock or a stolen key, so it is not valid yet.
    if (payload.iat > now + clockToleranceSeconds) {
      throw invalidToken('not_yet_valid');
    }

    return {
      userId: payload.sub,
      sessionId: payload.sid,
      tokenId: payload.jti,
      issuedAt: payload.iat,
      expiresAt: payload.exp,
    };
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

type InvalidTokenReason = 'expired' | 'not_yet_valid' | 'invalid';

const invalidTokenMessages: Record<InvalidTokenReason, string> = {
  expired: 'The access token has expired. Get a new one with the refresh token, or log in again.',
  not_yet_valid:
    'The access token is not valid yet. Check that the clocks of this computer and the server agree.',
  invalid:
    'The token is neither a valid access token nor an API key (those start with m0k_). Log in again, or check the API key you sent.',
};

function invalidToken(reason: InvalidTokenReason, cause?: unknown): Mem0Error {
  return new Mem0Error('unauthenticated', invalidTokenMessages[reason], {
    details: { reason },
    cause,
  });
}

function loadKeys(config: AccessTokenKeys): { signing: KeyObject; verification: KeyObject } {
  if (config.algorithm === 'HS256') {
    const secret = Buffer.from(config.secret);
    if (secret.length < minSecretBytes) {
      throw new Mem0Error(
        'invalid_argument',
        `The HS256 secret for access tokens is ${secret.length} bytes long; it must have at least ${minSecretBytes}. Generate one with "openssl rand -base64 48".`,
      );
    }
    const key = createSecretKey(secret);
    return { signing: key, verification: key };
  }

  let signing: KeyObject;
  let verification: KeyObject;
  try {
    signing = createPrivateKey(config.privateKey);
    verification = createPublicKey(config.publicKey);
  } catch (error) {
    throw new Mem0Error(
      'invalid_argument',
      `The ${config.algorithm} key pair for access tokens cannot be read: ${(error as Error).message}. Pass a private and a public key in PEM format.`,
      { cause: error },
    );
  }

  const problem = keyProblem(config.algorithm, signing, verification);
  if (problem !== undefined) {
    throw new Mem0Error('invalid_argument', `The ${config.algorithm} key pair ${problem}.`);
  }
  return { signing, verification };
}

/** Describe why a key pair does not suit the algorithm; returns undefined when it does. */
function keyProblem(
  algorithm: 'RS256' | 'ES256',
  privateKey: KeyObject,
  publicKey: KeyObject,
): string | undefined {
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (algorithm === 'RS256') {
    if (privateKey.asymmetricKeyType !== 'rsa') {
      return `needs an RSA key, not ${privateKey.asymmetricKeyType}`;
    }
    if ((details.modulusLength ?? 0) < 2048) {
      return `needs an RSA key of at least 2048 bits, not ${details.modulusLength}`;
    }
  } else if (privateKey.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1') {
    return 'needs an EC key on the P-256 curve (prime256v1)';
  }

  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const configured = publicKey.export({ type: 'spki', format: 'der' });
  if (!derived.equals(configured)) {
    return 'does not match: the public key is not the one of the private key';
  }
  return undefined;
}
