export { Mem0Error, errorCodes, isMem0Error, invalidArgument, notFound } from './errors.js';
export type { ErrorCode, ErrorOptions } from './errors.js';
export { limits } from './limits.js';
export { memorySources, revisionOperations } from './model.js';
export type {
  ContextSummary,
  Memory,
  MemorySource,
  Metadata,
  MetadataScalar,
  MetadataValue,
  Page,
  Revision,
  RevisionOperation,
  SearchHit,
} from './model.js';
export { isValidId, newId, parseId } from './ids.js';
export {
  contentSchema,
  contextNameSchema,
  defaultContext,
  exportRequestSchema,
  importRecordSchema,
  isoTimestampSchema,
  listRequestSchema,
  memoryPatchSchema,
  metadataSchema,
  newContextSchema,
  newMemorySchema,
  parseContextName,
  parseInput,
  searchRequestSchema,
  tagSchema,
  tagsSchema,
  teamNameSchema,
  validationError,
} from './schemas.js';
export type { ContextReference } from './schemas.js';
export { contextPermissions, sharePermissions, teamRoles } from './teams.js';
export type {
  ContextOwner,
  ContextPermission,
  Share,
  SharePermission,
  Team,
  TeamInvite,
  TeamMember,
  TeamRole,
} from './teams.js';
export type {
  ImportRecord,
  ImportRecordInput,
  ListRequest,
  ListRequestInput,
  NewContextInput,
  MemoryFilter,
  MemoryPatch,
  MemoryPatchInput,
  NewMemory,
  NewMemoryInput,
  SearchRequest,
  SearchRequestInput,
} from './schemas.js';
export type { AddResult, ImportOutcome, MemoryStore } from './store.js';
export { parseQuery, termMatches } from './query.js';
export type { ParsedQuery } from './query.js';
export {
  codePointLength,
  contentHash,
  normalizeContent,
  normalizeTerm,
  searchText,
  tokenize,
} from './text.js';
export type { Token } from './text.js';
export { buildSnippet, preview } from './snippet.js';
export type { Preview, SnippetOptions } from './snippet.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { parseTimeInput } from './time.js';
export {
  addMemory,
  createContext,
  deleteMemory,
  exportMemories,
  getMemory,
  importMemories,
  listContexts,
  listMemories,
  maxRejectsReported,
  memoryHistory,
  parseImportLine,
  prepareImportLines,
  searchMemories,
  toImportLine,
  updateMemory,
} from './use-cases.js';
export type {
  ImportOptions,
  ImportProgress,
  ImportReject,
  ImportSummary,
  PreparedLine,
} from './use-cases.js';
export { apiKeyScopes } from './accounts.js';
export type {
  AccountRepository,
  ApiKeyRecord,
  ApiKeyScope,
  NewApiKey,
  NewSession,
  NewUser,
  RefreshTokenRecord,
  RefreshTokenRotation,
  RotationOutcome,
  SessionRecord,
  UserRecord,
} from './accounts.js';
export { auditActions } from './audit.js';
export type {
  AuditAction,
  AuditEntry,
  AuditEvent,
  AuditOrigin,
  AuditPage,
  AuditQuery,
  AuditRecorder,
} from './audit.js';
