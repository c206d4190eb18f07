import type { Pool, PoolClient } from 'pg';

import { translatePostgresError } from './errors.js';

/**
 * Run `work` in a transaction on one client of the pool: commit when it resolves, roll back
 * when it rejects, and pass the error on as a `Mem0Error` where one fits.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error);
  }

  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The connection is unusable; releasing it with an error makes the pool discard it.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw translatePostgresError(error);
  } finally {
    client.release(broken);
  }
}
