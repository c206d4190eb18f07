import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

/** A JSON Schema for one tool argument: flat, with a description and, for arrays, `items`. */
export interface ArgumentSchema {
  type: 'string' | 'integer' | 'object' | 'array' | ['string', 'null'];
  description: string;
  items?: { type: 'string'; description: string };
  minimum?: number;
  maximum?: number;
}

export interface InputSchema {
  type: 'object';
  properties: Record<string, ArgumentSchema>;
  required?: string[];
  additionalProperties: false;
}

/**
 * A JSON-RPC invalid-params error. The SDK sends a thrown error's `code` and `message` as they
 * are. Its own McpError puts "MCP error -32602:" into the message, which clients then print
 * twice, so this class leaves the message as written.
 */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError';
  readonly code = ErrorCode.InvalidParams;

  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

function invalidParams(message: string): InvalidParamsError {
  return new InvalidParamsError(message);
}

/** Write a type name with its article: "a string", "an object". */
function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return withArticle(typeof value);
}

function matchesType(value: unknown, schema: ArgumentSchema): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.some((type) => {
    switch (type) {
      case 'null':
        return value === null;
      case 'string':
        return typeof value === 'string';
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value);
      case 'array':
        return Array.isArray(value) && value.every((item) => typeof item === 'string');
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
    }
  });
}

function expectedType(schema: ArgumentSchema): string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.map(describeType).join(' or ');
}

function describeType(type: string): string {
  if (type === 'array') {
    return 'an array of strings';
  }
  if (type === 'null') {
    return 'null';
  }
  return withArticle(type);
}

/**
 * Check tool arguments against the tool's input schema, so that a missing, null, unknown or
 * mistyped argument becomes an invalid-params error that names the argument.
 */
export function checkArguments(
  toolName: string,
  schema: InputSchema,
  args: unknown,
): Record<string, unknown> {
  const input: unknown = args ?? {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidParams(
      `Invalid arguments for ${toolName}: expected an object, got ${typeName(input)}.`,
    );
  }
  const record = input as Record<string, unknown>;

  for (const name of Object.keys(record)) {
    if (!(name in schema.properties)) {
      const known = Object.keys(schema.properties).join(', ') || 'none';
      throw invalidParams(
        `Invalid argument "${name}" for ${toolName}: unknown argument. Known arguments: ${known}.`,
      );
    }
  }
  for (const name of schema.required ?? []) {
    if (record[name] === undefined) {
      throw invalidParams(`Invalid argument "${name}" for ${toolName}: the argument is required.`);
    }
  }
  for (const [name, value] of Object.entries(record)) {
    const property = schema.properties[name]!;
    if (value === undefined) {
      continue;
    }
    if (!matchesType(value, property)) {
      throw invalidParams(
        `Invalid argument "${name}" for ${toolName}: expected ${expectedType(property)}, got ${typeName(value)}.`,
      );
    }
    if (typeof value === 'number') {
      if (property.minimum !== undefined && value < property.minimum) {
        throw invalidParams(
          `Invalid argument "${name}" for ${toolName}: must be at least ${property.minimum}.`,
        );
      }
      if (property.maximum !== undefined && value > property.maximum) {
        throw invalidParams(
          `Invalid argument "${name}" for ${toolName}: must be at most ${property.maximum}.`,
        );
      }
    }
  }
  return record;
}
