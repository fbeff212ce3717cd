import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Directories a fresh clone does not have: dependencies come from `npm ci`, the rest is produced by running. */
const notInAClone = new Set(['node_modules', '.data', '.git', 'coverage', 'dist', '.vitest-report.json']);

/** The repository's sources in a temporary directory, its node_modules linked (what `npm ci` would install). */
export function copyOfRepository(): string {
  const copy = realpathSync(mkdtempSync(join(tmpdir(), 'attestor-start-')));
  // As a clone would be (mkdtemp makes 0700): run as root, the embedded PostgreSQL runs as `postgres`
  // and must reach .data/ inside it.
  chmodSync(copy, 0o755);
  cpSync(root, copy, {
    recursive: true,
    filter: (source) =>
      !notInAClone.has(basename(source)) && relative(root, source) !== join('bench', 'results'),
  });
  for (const modules of installedModules()) symlinkSync(modules, join(copy, relative(root, modules)));
  return copy;
}

/** The root node_modules and any workspace's own (the web app's included). */
function installedModules(): string[] {
  const found = [join(root, 'node_modules')];
  if (existsSync(join(root, 'web', 'node_modules'))) found.push(join(root, 'web', 'node_modules'));
  for (const group of ['packages', 'services', 'infra']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const modules = join(root, group, entry.name, 'node_modules');
      if (entry.isDirectory() && existsSync(modules)) found.push(modules);
    }
  }
  return found;
}
