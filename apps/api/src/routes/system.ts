import { Router } from 'express';

import { isMem0Error, Mem0Error } from '@memzero/core';

import type { Logger } from '../logging.js';
import type { OpenApiDocument } from '../openapi.js';

/**
 * `/healthz` (the process is up), `/readyz` (the database is reachable and migrated) and
 * `/openapi.json`. None needs authentication.
 */
export function systemRouter(
  ready: () => Promise<void>,
  document: OpenApiDocument,
  logger: Logger,
): Router {
  const router = Router();

  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  router.get('/readyz', async (_request, response) => {
    try {
      await ready();
    } catch (error) {
      logger.warn({ err: error }, 'readiness check failed');
      throw isMem0Error(error) && error.status === 503
        ? error
        : new Mem0Error('store_unavailable', 'The readiness check failed.', { cause: error });
    }
    response.json({ status: 'ready' });
  });

  router.get('/openapi.json', (_request, response) => {
    response.json(document);
  });

  return router;
}
