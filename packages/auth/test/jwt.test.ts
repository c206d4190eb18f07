import { createHmac, generateKeyPairSync } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { AccessTokens, type AccessTokenConfig } from '../src/index.js';
import { TestClock, testAccessTokens } from './helpers.js';

const clock = new TestClock();
const nowSeconds = () => Math.floor(clock.now() / 1000);
const { issuer, audience } = testAccessTokens;
const secret = (testAccessTokens as { secret: string }).secret;

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ec = generateKeyPairSync('ec', {
  namedCurve: 'prime256v1',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Claims of a valid token, to be spoiled one at a time. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  return {
    sub: 'user-1',
    sid: 'session-1',
    jti: 'token-1',
    iss: issuer,
    aud: audience,
    iat,
    exp: iat + 900,
    ...overrides,
  };
}

/**
 * Sign with HMAC by hand rather than with jsonwebtoken, so that a test can make tokens the
 * library would refuse to make.
 */
function signHs256(
  payload: object,
  key: string = secret,
  algorithm: 'HS256' | 'HS512' = 'HS256',
): string {
  const unsigned = `${base64url({ alg: algorithm, typ: 'JWT' })}.${base64url(payload)}`;
  const hash = algorithm === 'HS256' ? 'sha256' : 'sha512';
  return `${unsigned}.${createHmac(hash, key).update(unsigned).digest('base64url')}`;
}

describe('AccessTokens', () => {
  const tokens = new AccessTokens(testAccessTokens, clock.now);

  it('verifies a token it issued', () => {
    const token = tokens.issue('user-1', 'session-1');

    const verified = tokens.verify(token);

    expect(verified).toEqual({
      userId: 'user-1',
      sessionId: 'session-1',
      tokenId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      issuedAt: nowSeconds(),
      expiresAt: nowSeconds() + 900,
    });
  });

  it('writes the documented claims', () => {
    const token = tokens.issue('user-1', 'session-1');

    const decoded = jwt.decode(token, { complete: true })!;

    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(Object.keys(decoded.payload as object).sort()).toEqual(
      ['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'].sort(),
    );
  });

  it('gives each token its own id', () => {
    const first = tokens.verify(tokens.issue('user-1', 'session-1'));
    const second = tokens.verify(tokens.issue('user-1', 'session-1'));

    expect(first.tokenId).not.toBe(second.tokenId);
  });

  it('accepts a token expired within the clock tolerance', () => {
    const token = signHs256(claims({ exp: nowSeconds() - 4 }));

    expect(tokens.verify(token).userId).toBe('user-1');
  });

  it('honours a configured lifetime', () => {
    const short = new AccessTokens({ ...testAccessTokens, lifetimeSeconds: 60 }, clock.now);

    const verified = short.verify(short.issue('user-1', 'session-1'));

    expect(verified.expiresAt - verified.issuedAt).toBe(60);
  });

  describe('attack table', () => {
    const valid = signHs256(claims());
    const [header, payload, signature] = valid.split('.') as [string, string, string];

    const attacks: [string, string][] = [
      ['alg none', `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`],
      [
        'alg none with the valid signature',
        `${base64url({ alg: 'none' })}.${payload}.${signature}`,
      ],
      [
        'HS256 signed with a wrong key',
        signHs256(claims(), 'another secret of at least thirty-two bytes'),
      ],
      ['HS512 with the right key', signHs256(claims(), secret, 'HS512')],
      [
        'RS256 with an attacker key',
        jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256', noTimestamp: true }),
      ],
      ['expired', signHs256(claims({ iat: nowSeconds() - 1000, exp: nowSeconds() - 6 }))],
      ['not yet valid by nbf', signHs256(claims({ nbf: nowSeconds() + 60 }))],
      [
        'issued in the future',
        signHs256(claims({ iat: nowSeconds() + 60, exp: nowSeconds() + 960 })),
      ],
      ['a wrong issuer', signHs256(claims({ iss: 'https://evil.test' }))],
      ['a wrong audience', signHs256(claims({ aud: 'another-api' }))],
      ['no issuer', signHs256(claims({ iss: undefined }))],
      ['no audience', signHs256(claims({ aud: undefined }))],
      ['no expiry', signHs256(claims({ exp: undefined }))],
      ['no session id', signHs256(claims({ sid: undefined }))],
      ['no subject', signHs256(claims({ sub: undefined }))],
      ['a changed payload', `${header}.${base64url(claims({ sub: 'admin' }))}.${signature}`],
      ['a truncated signature', valid.slice(0, -5)],
      ['no signature', `${header}.${payload}.`],
      ['header and payload only', `${header}.${payload}`],
      ['the header only', header],
      ['garbage', 'not a token'],
      ['three garbage parts', 'a.b.c'],
      ['an empty string', ''],
      ['an oversized token', `${header}.${'A'.repeat(10_000)}.${signature}`],
    ];

    it.each(attacks)('rejects %s', (_case, token) => {
      let error: unknown;
      try {
        tokens.verify(token);
      } catch (caught) {
        error = caught;
      }

      expect(error).toMatchObject({ name: 'Mem0Error', code: 'unauthenticated' });
      const message = (error as Error).message;
      if (token.length > 0) {
        expect(message).not.toContain(token);
      }
      for (const part of token.split('.').filter((part) => part.length >= 8)) {
        expect(message).not.toContain(part);
      }
    });

    it('tells an expired token apart', () => {
      const token = signHs256(claims({ iat: nowSeconds() - 1000, exp: nowSeconds() - 6 }));

      expect(() => tokens.verify(token)).toThrow('The access token has expired');
    });
  });

  describe('with RS256', () => {
    const config: AccessTokenConfig = {
      algorithm: 'RS256',
      privateKey: rsa.privateKey,
      publicKey: rsa.publicKey,
      issuer,
      audience,
    };
    const tokens = new AccessTokens(config, clock.now);

    it('verifies a token it issued', () => {
      const token = tokens.issue('user-1', 'session-1');

      expect(jwt.decode(token, { complete: true })!.header.alg).toBe('RS256');
      expect(tokens.verify(token).sessionId).toBe('session-1');
    });

    it('rejects HS256 signed with the public key as secret', () => {
      // The classic algorithm confusion: a verifier that lets the token pick the algorithm
      // would check this HMAC with the public key, which everyone has.
      const token = signHs256(claims(), rsa.publicKey);

      expect(() => tokens.verify(token)).toThrow(
        expect.objectContaining({ code: 'unauthenticated' }),
      );
    });

    it('rejects a token signed by another key pair', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign(claims(), other.privateKey, { algorithm: 'RS256', noTimestamp: true });

      expect(() => tokens.verify(token)).toThrow(
        expect.objectContaining({ code: 'unauthenticated' }),
      );
    });
  });

  describe('with ES256', () => {
    it('verifies a token it issued', () => {
      const tokens = new AccessTokens(
        {
          algorithm: 'ES256',
          privateKey: ec.privateKey,
          publicKey: ec.publicKey,
          issuer,
          audience,
        },
        clock.now,
      );

      const token = tokens.issue('user-1', 'session-1');

      expect(jwt.decode(token, { complete: true })!.header.alg).toBe('ES256');
      expect(tokens.verify(token).userId).toBe('user-1');
    });
  });

  describe('configuration', () => {
    it.each<[string, AccessTokenConfig, string]>([
      [
        'a secret shorter than 32 bytes',
        { algorithm: 'HS256', secret: 'x'.repeat(31), issuer, audience },
        'at least 32',
      ],
      [
        'an RSA key for ES256',
        {
          algorithm: 'ES256',
          privateKey: rsa.privateKey,
          publicKey: rsa.publicKey,
          issuer,
          audience,
        },
        'P-256',
      ],
      [
        'an EC key for RS256',
        {
          algorithm: 'RS256',
          privateKey: ec.privateKey,
          publicKey: ec.publicKey,
          issuer,
          audience,
        },
        'needs an RSA key',
      ],
      [
        'an RSA key of 1024 bits',
        (() => {
          const weak = generateKeyPairSync('rsa', {
            modulusLength: 1024,
            publicKeyEncoding: { type: 'spki', format: 'pem' },
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          });
          return {
            algorithm: 'RS256',
            privateKey: weak.privateKey,
            publicKey: weak.publicKey,
            issuer,
            audience,
          };
        })(),
        'at least 2048 bits',
      ],
      [
        'keys of two different pairs',
        {
          algorithm: 'RS256',
          privateKey: rsa.privateKey,
          publicKey: generateKeyPairSync('rsa', {
            modulusLength: 2048,
            publicKeyEncoding: { type: 'spki', format: 'pem' },
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          }).publicKey,
          issuer,
          audience,
        },
        'does not match',
      ],
      [
        'a key that is not PEM',
        { algorithm: 'RS256', privateKey: 'not a key', publicKey: 'not a key', issuer, audience },
        'cannot be read',
      ],
      ['an empty issuer', { ...testAccessTokens, issuer: '' }, 'must not be empty'],
      ['a lifetime of zero', { ...testAccessTokens, lifetimeSeconds: 0 }, 'positive whole number'],
    ])('rejects %s', (_case, config, message) => {
      expect(() => new AccessTokens(config)).toThrow(message);
      expect(() => new AccessTokens(config)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    });
  });
});
