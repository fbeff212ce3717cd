import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../infra/dev/embedded-postgres-server.ts', import.meta.url));

export interface EmbeddedPostgresProcess {
  url(database: string): string;
  /** How long initdb + start took, as the server reported it. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * A throw-away PostgreSQL from npm in its own process, data in a temporary directory removed at stop,
 * fsync off. For tests that need a server of their own, and for `npm test` on a machine with none.
 */
export async function spawnEmbeddedPostgres(options: {
  host?: string;
  port: number;
  databases: string[];
}): Promise<EmbeddedPostgresProcess> {
  const host = options.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'attestor-pg-'));
  // mkdtemp makes it 0700; as root the server runs as `postgres`, which must reach the data directory.
  chmodSync(dir, 0o755);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: {
      ...process.env,
      EMBEDDED_PG_DATA_DIR: join(dir, 'data'),
      EMBEDDED_PG_HOST: host,
      EMBEDDED_PG_PORT: String(options.port),
      EMBEDDED_PG_DATABASES: options.databases.join(','),
      EMBEDDED_PG_EPHEMERAL: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const startMs = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('embedded postgres ready'));
      if (line) resolve(Number((JSON.parse(line) as { ms: number }).ms));
    });
    child.once('exit', (code) => reject(new Error(`embedded postgres exited (${code}):\n${output}`)));
  });
  return {
    url: (database) => `postgres://postgres@${host}:${options.port}/${encodeURIComponent(database)}`,
    startMs,
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
