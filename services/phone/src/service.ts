import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import { twilioFromConfig, type OtpProvider } from '@attestor/twilio';
import type { PhoneConfig } from './config.js';
import { createPhoneContext, type PhoneContext } from './context.js';
import { phoneConsumers } from './events.js';
import { ExpirySweeper } from './expiry-sweeper.js';
import { phoneResolvers } from './resolvers.js';
import { PhoneVerificationEntity, SendAttemptEntity } from './store/entities.js';
import { CreatePhoneTables1764115400000 } from './store/migrations/CreatePhoneTables1764115400000.js';
import { PhoneVerifications } from './verifications.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

function otpProviderFor(config: PhoneConfig): OtpProvider {
  return twilioFromConfig(config).otp;
}

/** The phone subgraph: PhoneVerification, Inquiry.phoneVerifications and the four verification mutations. */
export const phoneService: ServiceDefinition<PhoneConfig, PhoneContext> = {
  name: 'phone',
  entities: [PhoneVerificationEntity, SendAttemptEntity],
  migrations: [CreatePhoneTables1764115400000],
  build(deps) {
    const verifications = new PhoneVerifications(deps, otpProviderFor(deps.config));
    return {
      typeDefs,
      resolvers: phoneResolvers(verifications),
      context: (base) => createPhoneContext(deps.dataSource, base),
      consumers: phoneConsumers(),
      workers: [new ExpirySweeper(deps.outbox, deps.logger, deps.config.EXPIRY_SWEEP_MS)],
    };
  },
};
