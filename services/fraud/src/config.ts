import { z } from 'zod';
import {
  ConfigError,
  loadConfig,
  platformConfigShape,
  portVariable,
  positiveInt,
  twilioConfigShape,
  twilioCredentialsCheck,
} from '@attestor/platform';
import { layers, type Layer } from './domain/rules.js';
import type { RiskThresholds } from './domain/policy.js';
import type { PriceTable } from './domain/stats.js';

const riskScore = z.coerce.number().int().min(0).max(100);
const usd = z.coerce.number().min(0).max(100);

/**
 * Estimated USD per outbound SMS (list prices, rounded; set FRAUD_SMS_PRICES_USD for your own). Used
 * only to estimate the cost refusals avoided and to tell high-cost countries.
 */
export const DEFAULT_SMS_PRICES_USD =
  'US=0.0083,CA=0.0083,GB=0.0463,IE=0.0755,DE=0.0884,FR=0.0798,ES=0.0851,IT=0.0891,NL=0.1057,PL=0.0410,' +
  'SE=0.0650,PT=0.0420,BR=0.0477,MX=0.0542,AR=0.0760,CO=0.0420,CL=0.0640,IN=0.0832,JP=0.0802,KR=0.0300,' +
  'AU=0.0515,NZ=0.1100,ZA=0.0480,TH=0.0471,VN=0.1088,PH=0.2096,ID=0.4102,NG=0.2836,KE=0.1637,EG=0.2526,' +
  'PK=0.2936,BD=0.3445,UZ=0.2870,TJ=0.3900,KG=0.3375,AZ=0.3100,KZ=0.2400,BY=0.2530,TN=0.3010,SN=0.2030,' +
  'MM=0.3780,LK=0.3200,GH=0.2980,CM=0.2600,IQ=0.2900,SO=0.2700';

const priceTable = z
  .string()
  .default(DEFAULT_SMS_PRICES_USD)
  .transform((text, ctx) => {
    const prices: Record<string, number> = {};
    for (const pair of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const match = /^([A-Z]{2})=(\d+(?:\.\d+)?)$/.exec(pair);
      if (!match?.[1] || !match[2]) {
        ctx.addIssue({ code: 'custom', message: `"${pair.slice(0, 20)}" is not CC=price (e.g. US=0.0083)` });
        return z.NEVER;
      }
      prices[match[1]] = Number(match[2]);
    }
    return prices;
  });

const layerList = z.string().transform((text, ctx) => {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(layers as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${name.slice(0, 20)}" is not a layer (${layers.join(', ')})`,
      });
      return z.NEVER;
    }
  }
  return names as Layer[];
});

/** Platform + Twilio + what the fraud service adds (docs/fraud.md "Configuration"). */
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
  /** Score from which a send needs a challenge (a policy may set its own). */
  FRAUD_CHALLENGE_SCORE: riskScore.default(60),
  /** Score from which a send is blocked (a policy may set its own). */
  FRAUD_BLOCK_SCORE: riskScore.default(90),
  /** The shared velocity counters' PostgreSQL (default: DATABASE_URL, the service's own schema). */
  FRAUD_VELOCITY_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
    .optional(),
  FRAUD_VELOCITY_POOL_SIZE: positiveInt.max(100).default(8),
  /** Connections of the assessments' read (its statement planned once per connection). */
  FRAUD_CONTEXT_POOL_SIZE: positiveInt.max(100).default(4),
  /** How long a velocity read or write may take before this instance counts on its own. */
  FRAUD_VELOCITY_TIMEOUT_MS: positiveInt.max(10_000).default(250),
  FRAUD_SMS_PRICES_USD: priceTable,
  /** Price of an SMS to a country not in the table. */
  FRAUD_SMS_PRICE_DEFAULT_USD: usd.default(0.05),
  /** From this price per SMS a country counts as high-cost (a weak signal where the account never verified). */
  FRAUD_HIGH_COST_USD: usd.default(0.1),
  /** How often breakers whose cooling ended are closed (and `fraud.breaker.closed` published). */
  FRAUD_BREAKER_SWEEP_MS: positiveInt.max(3_600_000).default(30_000),
  /** Layers switched off, comma-separated (benchmarks only: lookup, policy, lists, velocity, breakers, score). */
  FRAUD_LAYERS_OFF: layerList.default([]),
} satisfies z.ZodRawShape;

export type FraudConfig = z.infer<z.ZodObject<typeof fraudConfigShape>>;

/** The score thresholds, checked against each other (a challenge band must exist below the block). */
export function riskThresholdsOf(config: FraudConfig): RiskThresholds {
  if (config.FRAUD_CHALLENGE_SCORE >= config.FRAUD_BLOCK_SCORE) {
    throw new ConfigError('FRAUD_CHALLENGE_SCORE', 'must be below FRAUD_BLOCK_SCORE');
  }
  return { challengeAt: config.FRAUD_CHALLENGE_SCORE, blockAt: config.FRAUD_BLOCK_SCORE };
}

export function priceTableOf(config: FraudConfig): PriceTable {
  return { prices: config.FRAUD_SMS_PRICES_USD, otherwise: config.FRAUD_SMS_PRICE_DEFAULT_USD };
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
