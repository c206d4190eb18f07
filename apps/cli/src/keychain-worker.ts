// A short-lived child process that makes one keytar call for `keychain.ts`. It reads one JSON
// request from stdin and writes one JSON reply to stdout. The call runs here rather than in the
// CLI process because a keytar call that hangs (a Secret Service that never responds) blocks
// the exit of its process until D-Bus gives up; a child can simply be killed.

import type { KeychainReply, KeychainRequest } from './keychain.js';

/** The part of keytar's API that mem0 uses. */
interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

// A string held in a variable keeps TypeScript from resolving the optional module at build time.
const keytarModule = 'keytar';

async function readRequest(): Promise<KeychainRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as KeychainRequest;
}

async function run(request: KeychainRequest): Promise<KeychainReply> {
  let keytar: Keytar;
  try {
    const imported = (await import(keytarModule)) as Keytar & { default?: Keytar };
    keytar = imported.default ?? imported;
  } catch (error) {
    return {
      ok: false,
      failure: 'not_installed',
      message: `the keytar module, which mem0 uses to reach the OS keychain, cannot be loaded (${(error as Error).message.split('\n')[0]})`,
    };
  }

  try {
    switch (request.operation) {
      case 'read':
        return { ok: true, value: await keytar.getPassword(request.service, request.account) };
      case 'write':
        await keytar.setPassword(request.service, request.account, request.secret ?? '');
        return { ok: true, value: null };
      case 'delete':
        return { ok: true, value: await keytar.deletePassword(request.service, request.account) };
    }
  } catch (error) {
    // keytar rejects with the platform's message, such as "Cannot autolaunch D-Bus without X11
    // $DISPLAY" or "Cannot create an item in a locked collection". It never contains the secret.
    return {
      ok: false,
      failure: 'unavailable',
      message: `the OS keychain cannot be used: ${(error as Error).message}`,
    };
  }
}

void readRequest()
  .then(run)
  .then((reply) => {
    process.stdout.write(JSON.stringify(reply));
  });
