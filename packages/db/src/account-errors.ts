import { Mem0Error } from '@memzero/core';

/** Create the conflict raised when a new user's email belongs to an existing account. */
export function emailTaken(email: string, cause: unknown): Mem0Error {
  return new Mem0Error(
    'conflict',
    `An account with the email ${email.toLowerCase()} already exists. Log in, or register with another email.`,
    { cause },
  );
}
