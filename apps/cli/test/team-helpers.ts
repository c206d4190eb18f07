import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { keys, TerminalSession } from './pseudo-terminal';
import type { CliResult, RunOptions } from './helpers';

/** The parsed `config.json` of a MEM0_HOME, with its raw text. */
export interface ConfigFile {
  text: string;
  json: {
    activeProfile: string;
    insecureStorage: boolean;
    profiles: {
      name: string;
      url: string;
      account: string;
      credential: string;
      auth: string;
    }[];
  };
}

export function readConfigFile(home: string): ConfigFile {
  const text = readFileSync(join(home, 'config.json'), 'utf8');
  return { text, json: JSON.parse(text) as ConfigFile['json'] };
}

export function credentialsFile(home: string): string {
  return join(home, 'credentials.json');
}

export function readCredentialsFile(home: string): Record<string, Record<string, string>> {
  const path = credentialsFile(home);
  if (!existsSync(path)) {
    return {};
  }
  return (JSON.parse(readFileSync(path, 'utf8')) as { profiles: Record<string, never> }).profiles;
}

/**
 * Every output a test file saw, so that one test at the end can check that no secret appeared
 * in any of them.
 */
export class OutputLog {
  private readonly texts: { label: string; text: string }[] = [];

  /** Record the output of a command and return the result unchanged. */
  record<T extends CliResult>(label: string, result: T): T {
    this.texts.push({ label: `${label} (stdout)`, text: result.stdout });
    this.texts.push({ label: `${label} (stderr)`, text: result.stderr });
    return result;
  }

  recordText(label: string, text: string): void {
    this.texts.push({ label, text });
  }

  /** Return the labels of the outputs that contain `secret`. */
  containing(secret: string): string[] {
    return this.texts.filter((entry) => entry.text.includes(secret)).map((entry) => entry.label);
  }

  get size(): number {
    return this.texts.length;
  }
}

export interface LoginAnswers {
  email: string;
  password: string;
  /** Type the password a second time, as `register` requests. */
  confirm?: boolean;
}

/**
 * Run `mem0 ARGS` on a pseudo-terminal and answer the email and password questions as a person
 * types them. Returns the exit code and everything the terminal showed.
 */
export async function runWithAnswers(
  args: string[],
  answers: LoginAnswers,
  options: RunOptions = {},
): Promise<{ code: number | null; output: string; canonical: boolean; echo: boolean }> {
  const session = new TerminalSession(args, options);
  try {
    await session.waitFor('Email');
    session.type(answers.email + keys.enter);
    const afterEmail = session.mark();
    await session.waitFor('Password', afterEmail);
    session.type(answers.password + keys.enter);
    if (answers.confirm) {
      const afterPassword = session.mark();
      await session.waitFor('Password again', afterPassword);
      session.type(answers.password + keys.enter);
    }
    const exit = await session.exit();
    return {
      code: exit.exitCode,
      output: session.output,
      canonical: exit.canonical,
      echo: exit.echo,
    };
  } finally {
    session.kill();
  }
}
