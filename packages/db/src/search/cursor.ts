import { createHash } from 'node:crypto';

import { decodeCursor, encodeCursor, Mem0Error, type SearchRequest } from '@memzero/core';

/**
 * Return the offset a search page starts at. A search cursor carries the offset and a digest
 * of the query and filters, so a cursor passed back with another search is rejected instead of
 * paging through the wrong results.
 */
export function searchOffset(request: SearchRequest): number {
  if (request.cursor === undefined) {
    return 0;
  }

  const position = decodeCursor(request.cursor, { offset: 'number', query: 'string' });
  if (
    position.query !== searchFingerprint(request) ||
    !Number.isInteger(position.offset) ||
    position.offset < 0
  ) {
    throw new Mem0Error(
      'invalid_argument',
      'The cursor belongs to another search. Pass nextCursor back with the same query and filters.',
    );
  }
  return position.offset;
}

/** Return the cursor of the page after the one that starts at `offset`. */
export function nextSearchCursor(request: SearchRequest, offset: number): string {
  return encodeCursor({ offset: offset + request.limit, query: searchFingerprint(request) });
}

/** Digest everything but the page position, to tie a cursor to its search. */
function searchFingerprint(request: SearchRequest): string {
  const { cursor: _cursor, limit: _limit, ...rest } = request;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 12);
}
