import { accountDisabledError, sessionEndedError } from '../src/errors.js';

describe('sessionEndedError', () => {
  it('tells a disabled account to ask, not to log in', () => {
    const error = accountDisabledError(
      'http://127.0.0.1:1',
      'This account is disabled. Ask the server administrator to enable it.',
    );

    expect(error.code).toBe('unauthenticated');
    expect(error.message).toBe(
      'The mem0 server at http://127.0.0.1:1 rejected the request: This account is disabled. Ask the server administrator to enable it.',
    );
    expect(error.message).not.toMatch(/mem0 login/);
  });

  it('tells an ended session to log in again', () => {
    const error = sessionEndedError('http://127.0.0.1:1', 'The refresh token was revoked.');

    expect(error.message).toBe(
      'The mem0 server at http://127.0.0.1:1 ended your session: The refresh token was revoked. Run "mem0 login" to sign in again.',
    );
  });
});
