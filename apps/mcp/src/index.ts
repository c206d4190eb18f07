export { createMcpServer } from './server.js';
export type { McpServerOptions } from './server.js';
export { allTools, readOnlyTools } from './tools.js';
export type { ToolDefinition, ToolOptions } from './tools.js';
export { previewMaxChars, resultBudget } from './present.js';
