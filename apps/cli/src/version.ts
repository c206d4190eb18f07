import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Return the version of this package, from its package.json. */
export function packageVersion(): string {
  const manifest = readFileSync(join(__dirname, '..', 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}
