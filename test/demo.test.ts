import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startPlatform, type Platform } from './support/platform.js';

/** `npm run demo` against a running platform: it must end in the decision it states, with exit 0. */
let platform: Platform;
let apiKey: string;

beforeAll(async () => {
  platform = await startPlatform();
  const created = await platform.gql<{ createAccount: { apiKey: string } }>(
    ADMIN_TOKEN,
    'mutation { createAccount(name: "Demo") { apiKey } }',
  );
  apiKey = created.data!.createAccount.apiKey;
});
afterAll(async () => {
  await platform?.stop();
});

function demo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/dev/demo.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  it('runs the first inquiry to APPROVED with an exact name match, twice in a row, and exits 0', async () => {
    for (let run = 0; run < 2; run++) {
      const { code, output } = await demo({
        GATEWAY_URL: platform.gatewayUrl,
        EMULATOR_URL: platform.emulator.url,
        API_KEY: apiKey,
      });
      expect(output).toContain('ok   decision: APPROVED (expected APPROVED)');
      expect(output).toContain('ok   name match: EXACT_MATCH (expected EXACT_MATCH)');
      expect(code, output).toBe(0);
    }
  }, 90_000);

  it('says what to do, and exits 1, when nothing answers', async () => {
    const { code, output } = await demo({
      GATEWAY_URL: 'http://127.0.0.1:9/graphql',
      EMULATOR_URL: 'http://127.0.0.1:9',
      API_KEY: apiKey,
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /nothing answers at http:\/\/127\.0\.0\.1:9\/graphql: start the platform with `npm start` first/,
    );
  });
});
