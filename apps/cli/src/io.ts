import type { Readable, Writable } from 'node:stream';

import pc from 'picocolors';

/** What a command reads and writes, passed in so tests can run commands in-process. */
export interface CommandIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colors for a stream: on only for a terminal, off when NO_COLOR is set to anything non-empty
 * or TERM is dumb, forced on by FORCE_COLOR (any value but 0).
 */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Colors {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') {
    return pc.createColors(true);
  }
  const enabled = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb' && force !== '0';
  return pc.createColors(enabled);
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Read all of stdin as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}
