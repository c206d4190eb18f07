export { ApiClient } from './api-client.js';
export type { HttpMethod, RequestSpec } from './api-client.js';
export {
  RemoteStore,
  maxImportBytesPerRequest,
  maxImportRecordsPerRequest,
} from './remote-store.js';
export type { RemoteStoreOptions } from './remote-store.js';
export { backoffDelay, maxRetryDelayMs, retryAfterDelay } from './retry.js';
export type {
  ApiClientOptions,
  ApiKey,
  AuditQuery,
  AuthTokens,
  CreatedApiKey,
  CreatedInvite,
  CreatedShare,
  Credentials,
  Me,
  NewApiKeyInput,
  NewInviteInput,
  NewShareInput,
  Page,
  RegistrationSetting,
  SessionTokens,
  User,
} from './types.js';
