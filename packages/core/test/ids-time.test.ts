import { decodeCursor, encodeCursor } from '../src/cursor.js';
import { Mem0Error } from '../src/errors.js';
import { isValidId, newId, parseId } from '../src/ids.js';
import { parseTimeInput } from '../src/time.js';

describe('ids', () => {
  it('creates valid, time-ordered ULIDs', () => {
    const first = newId(1_700_000_000_000);
    const second = newId(1_700_000_000_001);
    expect(isValidId(first)).toBe(true);
    expect(first.length).toBe(26);
    expect(first.slice(0, 10) < second.slice(0, 10)).toBe(true);
  });

  it('canonicalizes ULIDs and UUIDs', () => {
    const id = newId();
    expect(parseId(id.toLowerCase())).toBe(id);
    expect(parseId('3F2504E0-4F89-11D3-9A0C-0305E82C3301')).toBe(
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    );
  });

  it.each(['', 'abc', '../etc/passwd', '01ARZ3NDEKTSV4RRFFQ69G5FAVX', "1' OR '1'='1"])(
    'rejects %j as an invalid argument',
    (value) => {
      expect(() => parseId(value)).toThrow(Mem0Error);
      expect(() => parseId(value)).toThrow(/not a valid memory id/);
    },
  );
});

describe('parseTimeInput', () => {
  const now = Date.parse('2026-06-15T12:00:00Z');

  it.each([
    ['7d', '2026-06-08T12:00:00.000Z'],
    ['12h', '2026-06-15T00:00:00.000Z'],
    ['90m', '2026-06-15T10:30:00.000Z'],
    ['2w', '2026-06-01T12:00:00.000Z'],
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T09:30:00+02:00', '2026-01-31T07:30:00.000Z'],
    ['2026-01-31T09:30', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31 09:30:15.5Z', '2026-01-31T09:30:15.500Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('reads %j', (value, expected) => {
    expect(parseTimeInput(value, '--since', 'past', now)).toBe(expected);
  });

  it('counts forward for expiries', () => {
    expect(parseTimeInput('1d', '--expires', 'future', now)).toBe('2026-06-16T12:00:00.000Z');
    expect(parseTimeInput('90s', '--since', 'past', now)).toBe('2026-06-15T11:58:30.000Z');
  });

  it.each([
    'yesterday',
    '7 days',
    '2026-13-45',
    '2026-02-30',
    '2027-04-31',
    '2026-01-31T25:00',
    '',
  ])('rejects %j', (value) => {
    expect(() => parseTimeInput(value, '--since', 'past', now)).toThrow(
      /--since .* is neither a date nor a duration/,
    );
  });
});

describe('cursors', () => {
  it('round-trip', () => {
    const cursor = encodeCursor({ createdAt: '2026-01-01T00:00:00.000Z', id: 'X' });
    expect(decodeCursor(cursor, { createdAt: 'string', id: 'string' })).toEqual({
      createdAt: '2026-01-01T00:00:00.000Z',
      id: 'X',
    });
  });

  it.each(['garbage', encodeCursor({ offset: 'ten' }), Buffer.from('[1]').toString('base64url')])(
    'rejects %j',
    (cursor) => {
      expect(() => decodeCursor(cursor, { offset: 'number' })).toThrow(/cursor is invalid/);
    },
  );
});
