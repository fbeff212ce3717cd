import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { z } from 'zod';
import { parseConfig, ConfigError } from '@attestor/platform/config';
import { servePGlite, type RunningPGliteServer } from './pglite-server.js';

/**
 * The embedded PostgreSQL of `npm start` when no server answers: PGlite (Postgres compiled to WASM) with its
 * data on disk, served over the wire protocol (pglite-server.ts) so the services connect with `pg` as to any
 * Postgres. It runs as its own process because PGlite executes queries synchronously: in the launcher it
 * would stall the output of every other child.
 */
const shape = {
  PGLITE_DATA_DIR: z.string().min(1),
  PGLITE_HOST: z.string().min(1).default('127.0.0.1'),
  PGLITE_PORT: z.coerce.number().int().min(1).max(65_535).default(5432),
  /** Every service holds a small pool; connections beyond this are refused. */
  PGLITE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(64),
} satisfies z.ZodRawShape;

let config: z.infer<z.ZodObject<typeof shape>>;
try {
  config = parseConfig(shape, process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

mkdirSync(config.PGLITE_DATA_DIR, { recursive: true });
const db = await PGlite.create(config.PGLITE_DATA_DIR);
let server: RunningPGliteServer;
try {
  server = await servePGlite({
    db,
    host: config.PGLITE_HOST,
    port: config.PGLITE_PORT,
    maxConnections: config.PGLITE_MAX_CONNECTIONS,
  });
} catch (error) {
  console.error(
    `embedded postgres: cannot listen on ${config.PGLITE_HOST}:${config.PGLITE_PORT}: ${String(error)}`,
  );
  await db.close();
  process.exit(1);
}
console.log(
  JSON.stringify({
    msg: 'embedded postgres listening',
    host: config.PGLITE_HOST,
    port: config.PGLITE_PORT,
    dataDir: config.PGLITE_DATA_DIR,
  }),
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // Closing the database checkpoints it, so the next start finds a clean data directory.
  void server
    .stop()
    .then(() => db.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`embedded postgres: stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
