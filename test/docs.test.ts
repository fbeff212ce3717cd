import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { platformConfigShape, twilioConfigShape } from '@attestor/platform';
import { emulatorConfigShape } from '@attestor/twilio-emulator';
import { gatewayConfigShape } from '../services/gateway/src/config.js';
import { inquiryConfigShape } from '../services/inquiry/src/config.js';
import { phoneConfigShape } from '../services/phone/src/config.js';
import { fraudConfigShape } from '../services/fraud/src/config.js';
import { identityConfigShape } from '../services/identity/src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const configSection = readme.slice(
  readme.indexOf('## Configuration'),
  readme.indexOf('## Against real Twilio'),
);

describe('README', () => {
  it.each(
    Object.entries({
      platform: platformConfigShape,
      twilio: twilioConfigShape,
      gateway: gatewayConfigShape,
      inquiry: inquiryConfigShape,
      phone: phoneConfigShape,
      fraud: fraudConfigShape,
      identity: identityConfigShape,
      emulator: emulatorConfigShape,
    }),
  )('documents every variable the %s reads', (_name, shape) => {
    const missing = Object.keys(shape).filter((variable) => !configSection.includes(`\`${variable}\``));
    expect(missing).toEqual([]);
  });

  it('gives the two commands and the test command CI runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
  });
});
