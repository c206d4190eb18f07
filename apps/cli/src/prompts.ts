import { invalidArgument, Mem0Error } from '@memzero/core';

import type { CommandIO } from './io.js';

/** Thrown when the user cancels a question with Ctrl-C or Ctrl-D; the command exits with 130. */
export class PromptCancelled extends Error {
  override readonly name = 'PromptCancelled';
}

/** Return the streams of a question: stdin, and stdout unless it is redirected, then stderr. */
function promptContext(io: CommandIO) {
  return { input: io.stdin, output: io.stdout.isTTY === true ? io.stdout : io.stderr };
}

async function ask<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question();
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      throw new PromptCancelled('cancelled');
    }
    throw error;
  }
}

/** Reject a login that needs typed input when stdin is not a terminal. */
export function requireTerminal(io: CommandIO, command: string): void {
  if (io.stdin.isTTY !== true) {
    throw invalidArgument(
      `mem0 ${command} asks for your email and password, which needs a terminal. In scripts, pipe an API key into "mem0 login URL --with-token" or set MEM0_SERVER and MEM0_API_KEY.`,
    );
  }
}

export async function askEmail(io: CommandIO, current?: string): Promise<string> {
  const { default: input } = await import('@inquirer/input');
  const email = await ask(() =>
    input(
      {
        message: 'Email:',
        default: current,
        validate: (value) =>
          /^[^\s@]+@[^\s@]+$/.test(value.trim()) ||
          'Enter an email address, such as ana@example.com.',
      },
      promptContext(io),
    ),
  );
  return email.trim();
}

/** Ask for a password without showing it; with `confirm`, request it a second time and compare. */
export async function askPassword(io: CommandIO, confirm = false): Promise<string> {
  const { default: password } = await import('@inquirer/password');
  const context = promptContext(io);
  const first = await ask(() =>
    password(
      {
        message: 'Password:',
        validate: (value) => value.length > 0 || 'Enter your password.',
      },
      context,
    ),
  );
  if (!confirm) {
    return first;
  }

  const second = await ask(() => password({ message: 'Password again:' }, context));
  if (second !== first) {
    throw new Mem0Error(
      'invalid_argument',
      'The two passwords differ. Run the command again and type the same password twice.',
    );
  }
  return first;
}
