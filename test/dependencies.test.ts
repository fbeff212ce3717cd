import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** Every installed copy of a package, wherever npm nested it. */
function copiesOf(name: string, dir = join(root, 'node_modules'), found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    if (entry.name === name && existsSync(join(path, 'package.json'))) {
      found.push(JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).version as string);
    }
    if (entry.name.startsWith('@')) copiesOf(name, path, found);
    else if (existsSync(join(path, 'node_modules'))) copiesOf(name, join(path, 'node_modules'), found);
  }
  return found;
}

describe('dependency tree', () => {
  it('holds exactly one copy of graphql, a 16.x', () => {
    const versions = copiesOf('graphql');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatch(/^16\./);
  });

  it('gives our code and Apollo the same graphql module (one realm in tests, as in production)', () => {
    const apolloGraphql = createRequire(createRequire(import.meta.url).resolve('@apollo/server'))(
      'graphql',
    ) as {
      GraphQLError: unknown;
    };
    expect(apolloGraphql.GraphQLError).toBe(GraphQLError);
  });
});
