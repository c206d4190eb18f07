export { PostgresDatabase } from './database.js';
export type { PostgresDatabaseOptions } from './database.js';
export { PostgresStore } from './store.js';
export type { PostgresStoreOptions } from './store.js';
export { migratePostgres } from './migrate.js';
export { postgresMigrations } from '../migrations/generated.js';
export { PostgresAccountRepository } from './accounts.js';
export { PostgresAdministration } from './administration.js';
