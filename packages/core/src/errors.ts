/**
 * The one error family of mem0. Every error that reaches a user carries a stable `code`; the
 * table below maps each code to the HTTP status of the API and the exit code of the CLI, so the
 * two cannot drift apart.
 */
export const errorCodes = {
  /** A request or command is malformed: unknown option, bad id format, blank query, bad cursor. */
  invalid_argument: { status: 400, exitCode: 2 },
  /** Well-formed input breaks a documented rule: content too long, too many tags, bad metadata. */
  validation_failed: { status: 422, exitCode: 2 },
  unauthenticated: { status: 401, exitCode: 1 },
  forbidden: { status: 403, exitCode: 1 },
  not_found: { status: 404, exitCode: 1 },
  /** The change contradicts the stored state: a duplicate on update, a stale version. */
  conflict: { status: 409, exitCode: 1 },
  /** The path exists but does not accept this HTTP method, such as GET on the MCP endpoint. */
  method_not_allowed: { status: 405, exitCode: 2 },
  payload_too_large: { status: 413, exitCode: 2 },
  unsupported_media_type: { status: 415, exitCode: 2 },
  rate_limited: { status: 429, exitCode: 1 },
  /** The database is locked by another process for longer than the busy timeout. */
  store_busy: { status: 503, exitCode: 1 },
  /** The database cannot be opened or reached. */
  store_unavailable: { status: 503, exitCode: 1 },
  /** The database was written by a newer version of mem0 than the one running. */
  schema_too_new: { status: 503, exitCode: 1 },
  internal: { status: 500, exitCode: 1 },
} as const satisfies Record<string, { status: number; exitCode: number }>;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorOptions {
  /** Extra facts for the caller, such as the field that failed validation. Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class Mem0Error extends Error {
  override readonly name = 'Mem0Error';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }

  get exitCode(): number {
    return errorCodes[this.code].exitCode;
  }
}

export function isMem0Error(error: unknown): error is Mem0Error {
  return error instanceof Mem0Error;
}

export function invalidArgument(message: string, details?: Record<string, unknown>): Mem0Error {
  return new Mem0Error('invalid_argument', message, { details });
}

export function notFound(message: string): Mem0Error {
  return new Mem0Error('not_found', message);
}
