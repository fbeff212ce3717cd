import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

/** The four subgraphs, their SDL files and the default URL the supergraph records for each. */
export const subgraphs = [
  { name: 'inquiry', port: 4001 },
  { name: 'phone', port: 4002 },
  { name: 'fraud', port: 4003 },
  { name: 'identity', port: 4004 },
] as const;
export type SubgraphName = (typeof subgraphs)[number]['name'];

export function subgraphSdlPath(name: SubgraphName): string {
  return fileURLToPath(new URL(`../../${name}/src/schema.graphql`, import.meta.url));
}

export function readSubgraphSdl(name: SubgraphName): DocumentNode {
  return parse(readFileSync(subgraphSdlPath(name), 'utf8'));
}

export const supergraphPath = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));
