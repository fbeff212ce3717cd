/**
 * Composes services/gateway/supergraph.graphql from the four subgraphs' SDL files.
 *   npm run compose           write the file
 *   npm run compose:check     fail when composition reports errors or the checked-in file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { readSubgraphSdl, subgraphs, supergraphPath } from '../src/subgraphs.js';

const check = process.argv.includes('--check');
const result = composeServices(
  subgraphs.map(({ name, port }) => ({
    name,
    typeDefs: readSubgraphSdl(name),
    url: `http://127.0.0.1:${port}/graphql`,
  })),
);
if (result.errors) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints) console.log(`hint: ${hint.definition.code}: ${hint.message}`);
const supergraph = `${result.supergraphSdl.trimEnd()}\n`;
if (check) {
  let current = '';
  try {
    current = readFileSync(supergraphPath, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== supergraph) {
    console.error('services/gateway/supergraph.graphql is stale: run `npm run compose` and commit it');
    process.exit(1);
  }
  console.log(`supergraph is up to date (${subgraphs.length} subgraphs)`);
} else {
  writeFileSync(supergraphPath, supergraph);
  console.log(`wrote ${supergraphPath} (${subgraphs.length} subgraphs)`);
}
