export { migratePostgres } from './migrate.js';
export { postgresMigrations } from '../migrations/generated.js';
