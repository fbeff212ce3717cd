import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Suites that read files outside the repository run as their own command (vitest.conformance.config.ts). */
export const outsideRepository = ['infra/twilio-emulator/test/conformance.test.ts'];

export const resolve = {
  // graphql 16 ships CJS (`main`) and ESM (`module`) builds without an exports map. Node, and so every
  // dependency (Apollo), loads the CJS one; vite would hand our code the ESM one, giving a test process
  // two graphql realms. Point ours at the same CJS entry, as in production.
  alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
};

export default defineConfig({
  resolve,
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'infra/**/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', ...outsideRepository],
    // Starts a PostgreSQL from npm and a nats-server where none answers (test/setup/infrastructure.ts).
    globalSetup: ['test/setup/infrastructure.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
