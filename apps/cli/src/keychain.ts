// Access to the OS keychain through keytar (macOS Keychain, Windows Credential Manager, the
// Secret Service over D-Bus on Linux). keytar is an optional native dependency. Each call runs
// in a child process (keychain-worker.ts) raced against a timer, so that a missing or hung
// Secret Service fails the command quickly. A hung keytar call inside the CLI process would
// hold the process open until D-Bus gives up, but a child can be killed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The keychain service under which mem0 stores its secrets; the account is the profile name. */
export const keychainService = 'mem0';

/**
 * The maximum time of a keychain call, in milliseconds, starting the child included. Kept
 * well under 2 s so that a command facing a hung keychain reports it within 2 s.
 */
export const keychainTimeoutMs = 1_200;

export type KeychainFailure = 'not_installed' | 'unavailable' | 'timed_out';

/** One request to the worker, sent as JSON on its stdin. */
export interface KeychainRequest {
  operation: 'read' | 'write' | 'delete';
  service: string;
  account: string;
  secret?: string;
}

/** The worker's reply, sent as JSON on its stdout. */
export type KeychainReply =
  | { ok: true; value: string | boolean | null }
  | { ok: false; failure: KeychainFailure; message: string };

/** A keychain that cannot be used: keytar missing, no Secret Service, locked, or timed out. */
export class KeychainError extends Error {
  override readonly name = 'KeychainError';

  constructor(
    readonly failure: KeychainFailure,
    message: string,
  ) {
    super(message);
  }
}

const workerPath = join(__dirname, 'keychain-worker.js');

// After one call timed out, later calls of the same process fail at once.
let firstTimeout: KeychainError | undefined;

function call(request: KeychainRequest): Promise<string | boolean | null> {
  if (firstTimeout) {
    return Promise.reject(firstTimeout);
  }

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerPath], { stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      firstTimeout = new KeychainError(
        'timed_out',
        `the OS keychain did not answer within ${keychainTimeoutMs / 1000} s (${request.operation})`,
      );
      reject(firstTimeout);
    }, keychainTimeoutMs);

    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new KeychainError('unavailable', `the keychain helper failed to start: ${error.message}`),
      );
    });
    child.on('close', () => {
      clearTimeout(timer);
      let reply: KeychainReply;
      try {
        reply = JSON.parse(Buffer.concat(output).toString('utf8')) as KeychainReply;
      } catch {
        reject(new KeychainError('unavailable', 'the keychain helper exited without a response'));
        return;
      }
      if (reply.ok) {
        resolve(reply.value);
      } else {
        reject(new KeychainError(reply.failure, reply.message));
      }
    });

    // The secret travels on the pipe, never in the arguments or environment of the child.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(request));
  });
}

export async function readKeychain(account: string): Promise<string | null> {
  const value = await call({ operation: 'read', service: keychainService, account });
  return typeof value === 'string' ? value : null;
}

export async function writeKeychain(account: string, secret: string): Promise<void> {
  await call({ operation: 'write', service: keychainService, account, secret });
}

export async function deleteKeychain(account: string): Promise<boolean> {
  return (await call({ operation: 'delete', service: keychainService, account })) === true;
}
