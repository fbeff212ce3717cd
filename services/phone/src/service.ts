import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import { twilioFromConfig } from '@attestor/twilio';
import type { PhoneConfig } from './config.js';
import { createPhoneContext, type PhoneContext } from './context.js';
import { phoneConsumers } from './events.js';
import { CancelVerification } from './flows/cancel.js';
import { ChallengeIssuer, challengeKeyOf } from './flows/challenges.js';
import { CheckVerification } from './flows/check.js';
import { Claims } from './flows/claims.js';
import type { FlowDeps } from './flows/deps.js';
import { expiryWorker } from './flows/expiry.js';
import { VerifyCalls } from './flows/provider.js';
import { ResendVerification } from './flows/resend.js';
import { SendMetrics } from './flows/send.js';
import { StartVerification } from './flows/start.js';
import { VerificationWrites } from './flows/writes.js';
import { phoneResolvers } from './resolvers.js';
import { phoneAsks } from './rpc.js';
import { PhoneVerificationEntity, SendAttemptEntity } from './store/entities.js';
import { CreatePhoneTables1764115400000 } from './store/migrations/CreatePhoneTables1764115400000.js';
import { PhoneChallengesAndClaims1765200000000 } from './store/migrations/PhoneChallengesAndClaims1765200000000.js';
import { PhoneProviderSidIndex1766000000000 } from './store/migrations/PhoneProviderSidIndex1766000000000.js';
import { PhoneVerificationStore } from './store/verifications.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * How long a claim may be held: the asks and Twilio calls one request makes while holding it, each at
 * its timeout and every retry — after that a claim a crashed process left is taken over.
 */
function claimLeaseMs(config: PhoneConfig): number {
  const twilioCall = config.TWILIO_MAX_ATTEMPTS * (config.TWILIO_TIMEOUT_MS + 2000);
  return 2 * config.RPC_TIMEOUT_MS + 2 * twilioCall + 1000;
}

/** The phone subgraph: PhoneVerification, Inquiry.phoneVerifications and the four verification mutations. */
export const phoneService: ServiceDefinition<PhoneConfig, PhoneContext> = {
  name: 'phone',
  entities: [PhoneVerificationEntity, SendAttemptEntity],
  migrations: [
    CreatePhoneTables1764115400000,
    PhoneChallengesAndClaims1765200000000,
    PhoneProviderSidIndex1766000000000,
  ],
  build({ config, dataSource, schema, bus, outbox, pii, clock, logger, metrics }) {
    const store = new PhoneVerificationStore(dataSource, schema);
    const deps: FlowDeps = {
      config,
      store,
      outbox,
      pii,
      clock,
      logger,
      asks: phoneAsks(bus, config.RPC_TIMEOUT_MS),
      verify: new VerifyCalls(
        twilioFromConfig(config).otp,
        { maxAttempts: config.TWILIO_MAX_ATTEMPTS, retryBaseMs: config.TWILIO_RETRY_BASE_MS },
        logger,
      ),
      challenges: new ChallengeIssuer(challengeKeyOf(config.CONTEXT_SECRET), clock, {
        maxNumber: config.CHALLENGE_MAX_NUMBER,
        ttlSeconds: config.CHALLENGE_TTL_SECONDS,
      }),
      claims: new Claims(store, clock, claimLeaseMs(config)),
      sendMetrics: new SendMetrics(metrics),
    };
    const writes = new VerificationWrites(deps);
    const cancel = new CancelVerification(deps, writes);
    const resend = new ResendVerification(deps, writes);
    const flows = {
      start: new StartVerification(deps, writes, resend, cancel),
      check: new CheckVerification(deps, writes),
      resend,
      cancel,
    };
    return {
      typeDefs,
      resolvers: phoneResolvers(flows),
      context: (base) => createPhoneContext(store, base),
      consumers: phoneConsumers(store, clock),
      workers: [expiryWorker({ outbox, store, clock, logger }, config.EXPIRY_SWEEP_MS)],
    };
  },
};
