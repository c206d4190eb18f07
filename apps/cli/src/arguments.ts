import { InvalidArgumentError } from 'commander';

// Option parsers used while commander reads the command line. They import nothing from the
// mem0 packages, so that --help, --version and usage errors stay fast.

/** Collect a repeatable option's values in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseLimit(value: string): number {
  if (!/^\d{1,7}$/.test(value.trim())) {
    throw new InvalidArgumentError(`"${value}" is not a whole number. Give a number such as 20.`);
  }
  return Number(value);
}
