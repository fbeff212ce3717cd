import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import {
  PeriodicWorker,
  type ServiceDefinition,
  type ServiceDeps,
  type ServiceParts,
} from '@attestor/platform';
import { twilioFromConfig } from '@attestor/twilio';
import { priceTableOf, riskThresholdsOf, type FraudConfig } from './config.js';
import { fraudContext, type FraudContext } from './context.js';
import { defaultBreakerModel } from './domain/breaker.js';
import { fraudConsumers } from './events.js';
import { Assessor } from './flows/assess.js';
import { Breakers } from './flows/breakers.js';
import { FraudLists } from './flows/lists.js';
import { NumberFactsReader } from './flows/number-facts.js';
import { FraudPolicies } from './flows/policy.js';
import { FraudStats } from './flows/stats.js';
import { FraudMetrics } from './flows/metrics.js';
import { fraudResolvers } from './resolvers.js';
import { fraudResponders } from './rpc.js';
import { AssessmentStore } from './store/assessments.js';
import { BreakerStore } from './store/breakers.js';
import { ConversionStore } from './store/conversions.js';
import { DecisionContextStore, plannedContextPool } from './store/decision-context.js';
import { fraudEntities } from './store/entities.js';
import { ListStore } from './store/lists.js';
import { LookupCache } from './store/lookups.js';
import { AddChallengeConversions1765152000000 } from './store/migrations/AddChallengeConversions1765152000000.js';
import { AddFraudEngine1764806400000 } from './store/migrations/AddFraudEngine1764806400000.js';
import { AddSettingsVersions1764979200000 } from './store/migrations/AddSettingsVersions1764979200000.js';
import { CreateFraudTables1764201600000 } from './store/migrations/CreateFraudTables1764201600000.js';
import { OutcomeStore } from './store/outcomes.js';
import { PolicyStore } from './store/policies.js';
import { localVelocity, postgresVelocity, Velocity } from './store/velocity.js';
import { VerifiedNumberStore } from './store/verified-numbers.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/**
 * The fraud subgraph: a risk assessment before every send (number facts, policy, lists, velocity,
 * conversion breakers, one score), per-account policies and lists, breakers and statistics.
 */
export const fraudService: ServiceDefinition<FraudConfig, FraudContext> = {
  name: 'fraud',
  entities: fraudEntities,
  migrations: [
    CreateFraudTables1764201600000,
    AddFraudEngine1764806400000,
    AddSettingsVersions1764979200000,
    AddChallengeConversions1765152000000,
  ],
  build: (deps) => buildFraud(deps).parts,
};

/** The service's parts, and its assessor for callers in the same process (the benchmark's in-process figures). */
export function buildFraud(deps: ServiceDeps<FraudConfig>): {
  parts: ServiceParts<FraudContext>;
  assessor: Assessor;
} {
  const { config, dataSource, schema, bus, logger, outbox, pii, clock, metrics } = deps;
  const twilio = twilioFromConfig(config);
  const thresholds = riskThresholdsOf(config);
  const prices = priceTableOf(config);
  const stores = {
    assessments: new AssessmentStore(dataSource, schema),
    policies: new PolicyStore(dataSource, schema),
    outcomes: new OutcomeStore(dataSource, schema),
    lookups: new LookupCache(dataSource, schema),
    lists: new ListStore(dataSource, schema),
    verifiedNumbers: new VerifiedNumberStore(dataSource, schema),
    conversions: new ConversionStore(dataSource, schema),
    breakers: new BreakerStore(dataSource, schema),
  };
  const planned = config.DB_PREPARED_STATEMENTS
    ? plannedContextPool({
        url: config.DATABASE_URL,
        schema,
        poolSize: config.FRAUD_CONTEXT_POOL_SIZE,
        logger,
      })
    : null;
  const context = new DecisionContextStore(dataSource, schema, planned?.reader ?? null);
  const velocity = new Velocity(
    postgresVelocity({
      url: config.FRAUD_VELOCITY_DATABASE_URL ?? config.DATABASE_URL,
      schema,
      poolSize: config.FRAUD_VELOCITY_POOL_SIZE,
      timeoutMs: config.FRAUD_VELOCITY_TIMEOUT_MS,
      preparedStatements: config.DB_PREPARED_STATEMENTS,
      logger,
    }),
    localVelocity(),
    config.FRAUD_VELOCITY_TIMEOUT_MS,
    logger,
  );
  const assessor = new Assessor({
    outbox,
    pii,
    clock,
    ...stores,
    context,
    velocity,
    facts: new NumberFactsReader(
      twilio.lookup,
      stores.lookups,
      { cacheHours: config.LOOKUP_CACHE_HOURS, claimMs: config.TWILIO_TIMEOUT_MS + 1000, clock },
      logger,
    ),
    thresholds,
    breakerModel: defaultBreakerModel,
    prices,
    highCostUsd: config.FRAUD_HIGH_COST_USD,
    disabled: new Set(config.FRAUD_LAYERS_OFF),
  });
  const breakers = new Breakers({ store: stores.breakers, outbox, clock });
  const flows = {
    policies: new FraudPolicies({ store: stores.policies, thresholds }),
    stats: new FraudStats({ outcomes: stores.outcomes, assessments: stores.assessments, prices }),
    breakers,
    lists: new FraudLists({ store: stores.lists, pii, clock }),
    clock,
  };
  const parts: ServiceParts<FraudContext> = {
    typeDefs,
    resolvers: fraudResolvers(flows),
    context: (base) => fraudContext(stores.assessments, base),
    consumers: fraudConsumers(stores, pii, clock),
    workers: [
      ...fraudResponders(bus, logger, assessor, new FraudMetrics(metrics, stores.breakers, clock)),
      breakers.sweeper(config.FRAUD_BREAKER_SWEEP_MS, logger),
      new PeriodicWorker({
        name: 'fraud conversions pruner',
        intervalMs: 3_600_000,
        logger,
        run: () => stores.conversions.prune(stores.conversions.reader, clock.now()),
      }),
      { name: 'fraud velocity store', start: () => undefined, stop: () => velocity.close() },
      ...(planned
        ? [{ name: 'fraud decision context pool', start: () => undefined, stop: () => planned.close() }]
        : []),
    ],
  };
  return { parts, assessor };
}
