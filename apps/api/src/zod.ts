import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Adds `.openapi()` to zod schemas, for the names and descriptions of the OpenAPI document.
extendZodWithOpenApi(z);

export { z };
