export { SqliteStore, localUserId } from './sqlite/store.js';
export type { SqliteStoreOptions } from './sqlite/store.js';
export { defaultBusyTimeoutMs, openSqliteDatabase } from './sqlite/open.js';
export type { OpenSqliteOptions } from './sqlite/open.js';
export { appliedSqliteMigrations, migrateSqlite } from './sqlite/migrate.js';
export type { Migration } from './migrations/types.js';
export { sqliteMigrations } from './migrations/generated.js';
export { SqliteAccountRepository } from './sqlite/accounts.js';
