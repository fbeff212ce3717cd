import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The one shape every subgraph has (docs/contributing.md): a newcomer finds any behaviour from the
 * names alone, and pure domain code stays pure. This test reads the sources; it fails naming the
 * service and the file that breaks the shape.
 */
const root = new URL('..', import.meta.url).pathname;
const subgraphs = ['inquiry', 'phone', 'fraud', 'identity'] as const;

/** Every slot a subgraph's src/ has: files, and folders holding at least one module. */
const requiredFiles = [
  'schema.graphql',
  'resolvers.ts',
  'rpc.ts',
  'events.ts',
  'context.ts',
  'config.ts',
  'main.ts',
  'service.ts',
];
const requiredFolders = ['flows', 'domain', 'store'];

/** Modules a domain file may not load: I/O, drivers, providers, and the platform's runtime. */
const forbiddenInDomain = [
  /^typeorm($|\/)/,
  /^nats($|\/)/,
  /^pg($|\/)/,
  /^twilio($|\/)/,
  /^dataloader$/,
  /^@attestor\/twilio/,
  /^@attestor\/platform$/,
  /^@attestor\/platform\/(testing|config)$/,
  // node:net stays allowed: its isIP and BlockList are address arithmetic, and open nothing.
  /^(node:)?(http|https|fs|fs\/promises|child_process|dgram|dns|tls)$/,
];

/** Calls that are SQL or TypeORM, which live in store/ only. */
const sqlCalls =
  /\.(query|getRepository|createQueryBuilder)\(|dataSource\.transaction\(|\bmanager\.(insert|update|delete|save|find\w*)\(/;

function modulesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return modulesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Module specifiers of the file's value imports (type-only imports load nothing at run time). */
function valueImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gms;
  for (const match of source.matchAll(statement)) {
    if (match[2]) continue;
    specifiers.push(match[4] ?? '');
  }
  for (const match of source.matchAll(/^\s*import\s+'([^']+)'/gm)) specifiers.push(match[1] ?? '');
  for (const match of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) specifiers.push(match[1] ?? '');
  return specifiers;
}

describe.each(subgraphs)('the %s subgraph', (name) => {
  const src = join(root, 'services', name, 'src');

  it('has every slot of a subgraph', () => {
    const missing = [
      ...requiredFiles.filter((file) => !existsSync(join(src, file))),
      ...requiredFolders.filter((folder) => modulesUnder(join(src, folder)).length === 0).map((f) => `${f}/`),
    ];
    expect(missing, `services/${name}/src lacks`).toEqual([]);
  });

  it('keeps nothing loose in src/ besides the slots', () => {
    const allowed = new Set([...requiredFiles, ...requiredFolders]);
    const loose = readdirSync(src).filter((entry) => !allowed.has(entry));
    expect(loose, `services/${name}/src holds files outside the slots`).toEqual([]);
  });

  it('keeps domain/ pure: no I/O, driver, provider or platform-runtime import', () => {
    const offenders = modulesUnder(join(src, 'domain')).flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return valueImports(source)
        .filter(
          (specifier) =>
            forbiddenInDomain.some((pattern) => pattern.test(specifier)) ||
            // A relative import that leaves domain/ reaches code that may do I/O (data tables excepted).
            (specifier.startsWith('.') &&
              !specifier.endsWith('.json') &&
              !join(file, '..', specifier).startsWith(join(src, 'domain'))),
        )
        .map((specifier) => `${relative(root, file)} imports ${specifier}`);
    });
    expect(offenders).toEqual([]);
  });

  it('keeps every SQL and TypeORM call in store/', () => {
    const offenders = modulesUnder(src)
      .filter((file) => !file.startsWith(join(src, 'store')))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, index) => ({ line, index }))
          .filter(
            ({ line }) =>
              sqlCalls.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*'),
          )
          .map(({ index }) => `${relative(root, file)}:${index + 1}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('the architecture test itself', () => {
  it('recognises value imports and skips type-only ones', () => {
    const source = [
      "import type { DataSource } from 'typeorm';",
      "import { In } from 'typeorm';",
      "export { x } from './x.js';",
      "import './side-effect.js';",
    ].join('\n');
    expect(valueImports(source)).toEqual(['typeorm', './x.js', './side-effect.js']);
  });

  it('recognises SQL calls', () => {
    expect(sqlCalls.test('await tx.manager.query(`SELECT 1`)')).toBe(true);
    expect(sqlCalls.test('dataSource.getRepository(Entity)')).toBe(true);
    expect(sqlCalls.test('this.dataSource.transaction(async (manager) => {')).toBe(true);
    expect(sqlCalls.test('outbox.transaction(async (tx) => {')).toBe(false);
    expect(sqlCalls.test('const result = compareNames(a, b);')).toBe(false);
  });
});
