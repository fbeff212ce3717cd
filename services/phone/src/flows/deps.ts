import type { Logger } from 'pino';
import type { Clock, Outbox, PiiCipher } from '@attestor/platform';
import type { PhoneConfig } from '../config.js';
import type { PhoneAsks } from '../rpc.js';
import type { PhoneVerificationStore } from '../store/verifications.js';
import type { ChallengeIssuer } from './challenges.js';
import type { SendMetrics } from './send.js';
import type { Claims } from './claims.js';
import type { VerifyCalls } from './provider.js';

/** What every phone flow works with; built once in service.ts. */
export interface FlowDeps {
  config: PhoneConfig;
  store: PhoneVerificationStore;
  outbox: Outbox;
  pii: PiiCipher;
  clock: Clock;
  logger: Logger;
  asks: PhoneAsks;
  verify: VerifyCalls;
  challenges: ChallengeIssuer;
  claims: Claims;
  sendMetrics: SendMetrics;
}

export const VERIFICATION = 'Phone verification';
