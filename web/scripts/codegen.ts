/**
 * Typed operations for the web app: the operations in web/src/graphql/*.graphql, validated against the
 * API the gateway serves (the supergraph's API schema) and written as typed documents to
 * web/src/graphql/generated.ts by GraphQL Code Generator (its core and plugins, without its CLI).
 *   npm run codegen -w web          write the file
 *   npm run codegen:check -w web    fail when an operation does not validate or the file is stale
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedPath, generateOperations } from './operations.js';

const check = process.argv.includes('--check');
let code: string;
try {
  code = await generateOperations();
} catch (error) {
  console.error(`codegen: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (check) {
  let current = '';
  try {
    current = readFileSync(generatedPath, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== code) {
    console.error('web/src/graphql/generated.ts is stale: run `npm run codegen -w web` and commit it');
    process.exit(1);
  }
  console.log('web/src/graphql/generated.ts is up to date');
} else {
  writeFileSync(generatedPath, code);
  const operations = readdirSync(fileURLToPath(new URL('../src/graphql/', import.meta.url))).filter((f) =>
    f.endsWith('.graphql'),
  );
  console.log(`wrote web/src/graphql/generated.ts (${operations.length} operation files)`);
}
