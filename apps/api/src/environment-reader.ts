import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';

const durationUnits: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Collects problems while reading variables, so that all of them are reported at once. */
export class EnvironmentReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Return the trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  problem(name: string, message: string): undefined {
    this.problems.push(`${name} ${message}`);
    return undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= min && number <= max)) {
      this.problem(name, `must be a whole number from ${min} to ${max}, not "${value}".`);
      return fallback;
    }
    return number;
  }

  /** Read a duration such as `90s`, `15m`, `12h` or `30d`, in milliseconds. */
  duration(name: string, fallback: string, minMs: number, maxMs: number): number {
    const value = this.raw(name) ?? fallback;
    const match = /^(\d{1,9})([smhd])$/.exec(value);
    const ms = match ? Number(match[1]) * durationUnits[match[2]!]! : Number.NaN;
    if (!(ms >= minMs && ms <= maxMs)) {
      this.problem(
        name,
        `must be a duration from ${describeMs(minMs)} to ${describeMs(maxMs)} written as a number and a unit (s, m, h or d), such as ${fallback}; got "${value}".`,
      );
      return parseDurationOrZero(fallback);
    }
    return ms;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(name, `must be one of ${allowed.join(', ')}, not "${value}".`);
      return fallback;
    }
    return value as T;
  }

  readableFile(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      return undefined;
    }
    const path = resolve(value);
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      return this.problem(name, `names ${path}, which cannot be read (${errorCode(error)}).`);
    }
    return path;
  }
}

function parseDurationOrZero(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  return match ? Number(match[1]) * durationUnits[match[2]!]! : 0;
}

function describeMs(ms: number): string {
  for (const [unit, size] of Object.entries(durationUnits).reverse()) {
    if (ms % size === 0) {
      return `${ms / size}${unit}`;
    }
  }
  return `${ms}ms`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}
