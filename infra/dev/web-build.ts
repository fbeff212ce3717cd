import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/**
 * The web app's build (`web/` → `web/dist`), shared by `npm start` and the browser tests: whether
 * the build on disk was made from the sources as they are now, and how to make a new one. A build
 * goes to a directory of its own and replaces `web/dist` only once complete, so a gateway serving
 * the old one never serves half of the new one.
 */

/** Written into each build: the digest of the sources it was built from. */
export const STAMP_FILE = '.attestor-build.json';

/** What a build depends on, relative to the repository: the app's sources, its config, and the lockfile. */
const inputs = [
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'web/src',
  'web/public',
  'package-lock.json',
];

function filesUnder(root: string, path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => filesUnder(root, join(path, entry)));
}

/** SHA-256 over every input's path and content: equal digests, equal builds. */
export function webSourcesDigest(root: string): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => filesUnder(root, input))) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export type WebBuildState = { fresh: true } | { fresh: false; reason: 'missing' | 'stale'; digest: string };

/** `missing`: no build; `stale`: built from other sources than those on disk now. */
export function webBuildState(root: string): WebBuildState {
  const digest = webSourcesDigest(root);
  const stamp = join(root, 'web', 'dist', STAMP_FILE);
  if (!existsSync(join(root, 'web', 'dist', 'index.html')) || !existsSync(stamp)) {
    return { fresh: false, reason: 'missing', digest };
  }
  try {
    const built = JSON.parse(readFileSync(stamp, 'utf8')) as { digest?: unknown };
    return built.digest === digest ? { fresh: true } : { fresh: false, reason: 'stale', digest };
  } catch {
    return { fresh: false, reason: 'stale', digest };
  }
}

export interface WebBuildCommand {
  command: string;
  args: string[];
  /** Where this build writes, beside web/dist until installWebBuild moves it there. */
  outDir: string;
  digest: string;
}

/** `vite build` of web/ into a directory of its own (run it, then installWebBuild). */
export function webBuildCommand(root: string, digest: string): WebBuildCommand {
  const require = createRequire(join(root, 'web', 'package.json'));
  const vitePackage = require.resolve('vite/package.json');
  const bin = (JSON.parse(readFileSync(vitePackage, 'utf8')) as { bin: Record<string, string> }).bin['vite'];
  if (bin === undefined) throw new Error('vite has no bin entry');
  const outDir = join(root, 'web', `.dist-${process.pid}-${Date.now()}`);
  return {
    command: process.execPath,
    args: [join(dirname(vitePackage), bin), 'build', '--logLevel', 'warn', '--outDir', outDir],
    outDir,
    digest,
  };
}

/** Stamps a finished build and puts it in place of web/dist. */
export function installWebBuild(root: string, build: WebBuildCommand): void {
  writeFileSync(join(build.outDir, STAMP_FILE), `${JSON.stringify({ digest: build.digest })}\n`);
  const dist = join(root, 'web', 'dist');
  const old = `${build.outDir}-old`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(build.outDir, dist);
  rmSync(old, { recursive: true, force: true });
}

export function discardWebBuild(build: WebBuildCommand): void {
  rmSync(build.outDir, { recursive: true, force: true });
}

/** Runs a build to its end; rejects with its last lines of output when it fails. */
export function runWebBuild(root: string, build: WebBuildCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(build.command, build.args, {
      cwd: join(root, 'web'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) {
        installWebBuild(root, build);
        resolve();
      } else {
        discardWebBuild(build);
        reject(new Error(`vite build exited with status ${code}:\n${output}`));
      }
    });
  });
}

/**
 * Builds web/ unless web/dist is fresh; safe when several processes ask at once (the browser test
 * files): one builds under a lock directory, the others wait for it and find the build fresh.
 */
export async function ensureWebBuild(root: string, timeoutMs = 180_000): Promise<'fresh' | 'built'> {
  const lock = join(root, 'web', '.build-lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = webBuildState(root);
    if (state.fresh) return 'fresh';
    try {
      mkdirSync(lock);
    } catch {
      // Someone else builds; a lock older than the timeout is left over from a killed process.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > timeoutMs) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`web build: ${relative(root, lock)} held too long`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      const again = webBuildState(root);
      if (again.fresh) return 'fresh';
      await runWebBuild(root, webBuildCommand(root, again.digest));
      return 'built';
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
