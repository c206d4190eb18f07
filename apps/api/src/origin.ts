import type { Request } from 'express';

import type { AuditOrigin } from '@memzero/core';

/** Return the client address (as `trust proxy` resolves it) and user agent of a request. */
export function originOf(request: Request): AuditOrigin {
  return { ip: request.ip, userAgent: request.get('user-agent') };
}
