export { createBearerStrategy } from './bearer.js';
export {
  AccessTokens,
  accessTokenAlgorithms,
  clockToleranceSeconds,
  defaultAccessTokenLifetimeSeconds,
  minSecretBytes,
} from './jwt.js';
export type {
  AccessTokenAlgorithm,
  AccessTokenClaims,
  AccessTokenConfig,
  AccessTokenKeys,
} from './jwt.js';
export {
  checkPasswordMaxLength,
  checkPasswordRules,
  hashPassword,
  passwordLimits,
  scryptParameters,
  verifyPassword,
} from './password.js';
export {
  apiKeyPrefix,
  displayPrefix,
  displayPrefixLength,
  generateApiKey,
  generateRefreshToken,
  hashSecret,
  hasSecretFormat,
  refreshTokenPrefix,
} from './secrets.js';
export {
  apiKeyTouchIntervalMs,
  AuthService,
  defaultSessionLifetimeSeconds,
  registrationPolicies,
} from './service.js';
export type {
  ApiKey,
  AuthServiceOptions,
  AuthTokens,
  CreatedApiKey,
  NewApiKeyRequest,
  Principal,
  RegistrationPolicy,
  User,
} from './service.js';
