import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The name matcher is pure: services/identity/src/domain imports no I/O (docs/name-matching.md).
 * Its tables are JSON imported statically, never read from disk.
 */
const domain = new URL('../../src/domain/', import.meta.url);
const files = readdirSync(domain).filter((file) => file.endsWith('.ts'));
const allowed = [
  /^\.\.?\//,
  /^@attestor\/contracts$/,
  /^any-ascii$/,
  /^double-metaphone$/,
  /^@skyra\/jaro-winkler$/,
];
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g;

describe('services/identity/src/domain', () => {
  it.each(files)('%s imports only pure modules', (file) => {
    const source = readFileSync(new URL(file, domain), 'utf8');
    for (const [, specifier = ''] of source.matchAll(IMPORT))
      expect(
        allowed.some((pattern) => pattern.test(specifier)),
        `${file} imports ${specifier}`,
      ).toBe(true);
  });

  it('loads its tables as static JSON imports', () => {
    const tables = readFileSync(new URL('nicknames.ts', domain), 'utf8');
    expect(tables).toMatch(/from '\.\.\/\.\.\/data\/nicknames\.json' with \{ type: 'json' \}/);
    expect(tables).not.toMatch(/node:fs|readFile/);
  });
});
