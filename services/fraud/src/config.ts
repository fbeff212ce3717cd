import { z } from 'zod';
import {
  ConfigError,
  loadConfig,
  platformConfigShape,
  portVariable,
  twilioConfigShape,
  twilioCredentialsCheck,
} from '@attestor/platform';
import type { RiskThresholds } from './domain/rules.js';

const riskScore = z.coerce.number().int().min(0).max(100);

/** Platform + Twilio + what the fraud service adds (docs/fraud.md names the thresholds). */
export const fraudConfigShape = {
  ...platformConfigShape,
  ...twilioConfigShape,
  PORT: portVariable.default(4003),
  /** How long a Lookup answer about a number is reused; 0 turns the cache off. */
  LOOKUP_CACHE_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 90)
    .default(24),
  /** SMS pumping risk score from which a send needs a challenge. */
  FRAUD_CHALLENGE_SCORE: riskScore.default(60),
  /** SMS pumping risk score from which a send is blocked. */
  FRAUD_BLOCK_SCORE: riskScore.default(90),
} satisfies z.ZodRawShape;

export type FraudConfig = z.infer<z.ZodObject<typeof fraudConfigShape>>;

/** The score thresholds, checked against each other (a challenge band must exist below the block). */
export function riskThresholdsOf(config: FraudConfig): RiskThresholds {
  if (config.FRAUD_CHALLENGE_SCORE >= config.FRAUD_BLOCK_SCORE) {
    throw new ConfigError('FRAUD_CHALLENGE_SCORE', 'must be below FRAUD_BLOCK_SCORE');
  }
  return { challengeAt: config.FRAUD_CHALLENGE_SCORE, blockAt: config.FRAUD_BLOCK_SCORE };
}

/** loadConfig plus the cross-variable checks; prints the bad variable and exits on failure. */
export function loadFraudConfig(env: Record<string, string | undefined> = process.env): FraudConfig {
  const config = loadConfig(fraudConfigShape, env, [twilioCredentialsCheck]);
  try {
    riskThresholdsOf(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  return config;
}
