import pg from 'pg';
import { databaseNameOf, withDatabase } from './plan.js';

export type PostgresProbe =
  | { kind: 'ready' }
  | { kind: 'missing-database'; database: string }
  | { kind: 'no-server' }
  | { kind: 'refused'; message: string };

const UNDEFINED_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Does a Postgres answer at `url`, and does it have the database the URL names? */
export async function probePostgres(url: string, timeoutMs = 3000): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that goes away mid-probe emits 'error' on the client; the failed connect already reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { kind: 'ready' };
  } catch (error) {
    const code = errorCode(error);
    if (code === UNDEFINED_DATABASE) return { kind: 'missing-database', database: databaseNameOf(url) };
    if ((code !== undefined && unreachableCodes.has(code)) || /timeout/i.test(String(error))) {
      return { kind: 'no-server' };
    }
    return { kind: 'refused', message: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the database `url` names, through the server's `postgres` database. */
export async function createDatabase(url: string): Promise<void> {
  const database = databaseNameOf(url);
  const client = new pg.Client({
    connectionString: withDatabase(url, 'postgres'),
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Someone else (a second launcher) created it meanwhile: that is what we wanted.
    if (errorCode(error) !== DUPLICATE_DATABASE) throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
