export { main } from './main.js';
export type { CommandIO } from './io.js';
export { dataDirectory, databasePath } from './paths.js';
