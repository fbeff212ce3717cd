import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { generatedPath, generateOperations, operationFiles } from '../../web/scripts/operations.js';

describe("the web app's typed operations", () => {
  it('are generated from the operations and the supergraph as they are now (run `npm run codegen -w web`)', async () => {
    expect(await generateOperations()).toBe(readFileSync(generatedPath, 'utf8'));
  });

  it('refuse an operation asking for a field the supergraph does not serve', async () => {
    // PhoneVerification.carrierName is in no subgraph: codegen must refuse it, not type it as unknown.
    const ahead = {
      location: 'ahead.graphql',
      document: parse('query Ahead($id: ID!) { inquiry(id: $id) { phoneVerifications { carrierName } } }'),
    };
    await expect(generateOperations(undefined, [...operationFiles(), ahead])).rejects.toThrow(/carrierName/);
  });
});
