import { z } from 'zod';
import { booleanFlag, ConfigError, parseConfig } from '@attestor/platform/config';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/**
 * The embedded PostgreSQL as a process of its own (the launcher's and the test setup's child): it prints
 * one JSON line `{"msg":"embedded postgres ready",…}` once it takes connections, and stops the server
 * on SIGINT/SIGTERM. A process of its own so that its exit hooks never race the launcher's own
 * ordered shutdown.
 */
const shape = {
  EMBEDDED_PG_DATA_DIR: z.string().min(1),
  EMBEDDED_PG_HOST: z.string().min(1).default('127.0.0.1'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65_535).default(5432),
  /** Comma-separated databases to create. */
  EMBEDDED_PG_DATABASES: z.string().default('attestor'),
  EMBEDDED_PG_EPHEMERAL: booleanFlag.default(false),
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

try {
  const started = Date.now();
  const server = await startEmbeddedPostgres({
    dataDir: config.EMBEDDED_PG_DATA_DIR,
    host: config.EMBEDDED_PG_HOST,
    port: config.EMBEDDED_PG_PORT,
    databases: config.EMBEDDED_PG_DATABASES.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    ephemeral: config.EMBEDDED_PG_EPHEMERAL,
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(
    JSON.stringify({
      msg: 'embedded postgres ready',
      host: config.EMBEDDED_PG_HOST,
      port: config.EMBEDDED_PG_PORT,
      dataDir: config.EMBEDDED_PG_DATA_DIR,
      ms: Date.now() - started,
    }),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`embedded postgres: stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(`embedded postgres: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
