import { Mem0Error } from '../src/errors.js';
import { limits } from '../src/limits.js';
import {
  memoryPatchSchema,
  newMemorySchema,
  parseContextName,
  parseInput,
} from '../src/schemas.js';

function failure(input: unknown): Mem0Error {
  try {
    parseInput(newMemorySchema, input);
  } catch (error) {
    return error as Mem0Error;
  }
  throw new Error('expected the input to be rejected');
}

describe('newMemorySchema', () => {
  it('fills defaults', () => {
    expect(parseInput(newMemorySchema, { content: ' hello ' })).toEqual({
      content: 'hello',
      context: 'default',
      tags: [],
      metadata: {},
      source: 'cli',
      expiresAt: null,
    });
  });

  it('normalizes context and tags', () => {
    const memory = parseInput(newMemorySchema, {
      content: 'x',
      context: ' Ops ',
      tags: ['DB', 'db', 'alpha'],
    });
    expect(memory.context).toBe('ops');
    expect(memory.tags).toEqual(['alpha', 'db']);
  });

  it('accepts content at the limit in code points', () => {
    const content = '😀'.repeat(limits.contentMaxChars);
    expect(parseInput(newMemorySchema, { content }).content).toBe(content);
  });

  it.each([
    ['empty content', { content: '   ' }, /content must not be empty/],
    ['missing content', {}, /content is required/],
    ['content not a string', { content: 5 }, /content must be a string/],
    ['too long content', { content: 'a'.repeat(limits.contentMaxChars + 1) }, /at most 32768/],
    [
      'context with two slashes',
      { content: 'x', context: 'a/b/c' },
      /context may contain one "\/"/,
    ],
    [
      'context with an empty name',
      { content: 'x', context: 'team/' },
      /name of 1 to 64 characters/,
    ],
    ['context with a bad owner', { content: 'x', context: '-team/x' }, /team name or an owner/],
    ['context with a bad email', { content: 'x', context: 'a@/x' }, /team name or an owner/],
    ['context name with a space', { content: 'x', context: 'team/a b' }, /may contain only/],
    ['context too long', { content: 'x', context: 'a'.repeat(65) }, /context must be at most 64/],
    ['tag with a space', { content: 'x', tags: ['two words'] }, /tags\[0\] must start with/],
    [
      'too many tags',
      { content: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) },
      /at most 32 tags/,
    ],
    ['tag too long', { content: 'x', tags: ['a'.repeat(65)] }, /at most 64 characters/],
    ['metadata array', { content: 'x', metadata: [1] }, /metadata must be a JSON object/],
    [
      'metadata too deep',
      { content: 'x', metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } },
      /nested at most 5/,
    ],
    [
      'metadata too big',
      { content: 'x', metadata: { a: 'x'.repeat(limits.metadataMaxBytes) } },
      /at most 16384 bytes/,
    ],
    ['unknown field', { content: 'x', colour: 'red' }, /unknown field "colour"/],
    ['bad expiry', { content: 'x', expiresAt: 'tomorrow' }, /expiresAt must be an ISO 8601/],
  ])('rejects %s', (_name, input, message) => {
    const error = failure(input);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(message);
  });

  it('reports an empty context once', () => {
    const error = failure({ content: 'x', context: ' ' });
    expect(error.message).toMatch(/context must not be empty/);
    expect(error.message).not.toMatch(/after the "\/"/);
  });

  it.each([
    ['own', 'Notes', { name: 'notes' }],
    ['team', 'Acme/Plans', { owner: { kind: 'team', name: 'acme' }, name: 'plans' }],
    [
      'shared',
      'Ana@Example.com/notes',
      { owner: { kind: 'user', name: 'ana@example.com' }, name: 'notes' },
    ],
  ])('reads a %s context name', (_kind, context, reference) => {
    const memory = parseInput(newMemorySchema, { content: 'x', context });
    expect(parseContextName(memory.context)).toEqual(reference);
  });

  it('accepts nested metadata within the depth', () => {
    const metadata = { a: { b: { c: { d: 1 } } }, list: [1, 'two', null, true] };
    expect(parseInput(newMemorySchema, { content: 'x', metadata }).metadata).toEqual(metadata);
  });
});

describe('memoryPatchSchema', () => {
  it('rejects an empty patch', () => {
    expect(() => parseInput(memoryPatchSchema, {})).toThrow(
      'Invalid input: nothing to update: give new content, a context, tags, metadata or an expiry.',
    );
  });

  it('accepts clearing the expiry', () => {
    expect(parseInput(memoryPatchSchema, { expiresAt: null })).toEqual({ expiresAt: null });
  });
});
