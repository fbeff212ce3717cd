import { defineConfig } from 'vitest/config';
import { outsideRepository, resolve } from './vitest.config.js';

/**
 * `npm run test:conformance`: the emulator's answers checked against Twilio's own OpenAPI descriptions,
 * read from ../shared/reference/twilio-oai/ beside the repository (not part of it, so not part of
 * `npm test`). `.ci/run` runs it after `npm test`; it needs nothing but Node.
 */
export default defineConfig({
  resolve,
  test: {
    include: outsideRepository,
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: '.vitest-conformance.json' }]],
  },
});
