import { invalidArgument } from './errors.js';

/** Encode a page position as an opaque string that is safe in URLs and shells. */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decode a cursor made by `encodeCursor`, checking that it has the expected keys and types. */
export function decodeCursor<T extends Record<string, 'string' | 'number'>>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }

  if (typeof position !== 'object' || position === null) {
    throw badCursor();
  }
  for (const [key, type] of Object.entries(shape)) {
    if (typeof (position as Record<string, unknown>)[key] !== type) {
      throw badCursor();
    }
  }
  return position as { [K in keyof T]: T[K] extends 'string' ? string : number };
}

function badCursor() {
  return invalidArgument(
    'The cursor is invalid. Pass back the nextCursor value of the previous page unchanged, with the same query and filters.',
  );
}
