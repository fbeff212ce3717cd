import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import { twilioFromConfig } from '@attestor/twilio';
import { riskThresholdsOf, type FraudConfig } from './config.js';
import { fraudContext, type FraudContext } from './context.js';
import { fraudConsumers } from './events.js';
import { Assessor } from './flows/assess.js';
import { NumberFactsReader } from './flows/number-facts.js';
import { fraudResolvers } from './resolvers.js';
import { fraudResponders } from './rpc.js';
import { AssessmentStore } from './store/assessments.js';
import { fraudEntities } from './store/entities.js';
import { LookupCache } from './store/lookups.js';
import { CreateFraudTables1764201600000 } from './store/migrations/CreateFraudTables1764201600000.js';
import { OutcomeStore } from './store/outcomes.js';
import { PolicyStore } from './store/policies.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The fraud subgraph: risk assessments before any SMS, per-account policies and conversion statistics. */
export const fraudService: ServiceDefinition<FraudConfig, FraudContext> = {
  name: 'fraud',
  entities: fraudEntities,
  migrations: [CreateFraudTables1764201600000],
  build(deps) {
    const { config, dataSource, schema, bus, logger } = deps;
    const twilio = twilioFromConfig(config);
    const stores = {
      assessments: new AssessmentStore(dataSource, schema),
      policies: new PolicyStore(dataSource, schema),
      outcomes: new OutcomeStore(dataSource, schema),
      lookups: new LookupCache(dataSource, schema),
    };
    const assessor = new Assessor({
      outbox: deps.outbox,
      pii: deps.pii,
      policies: stores.policies,
      assessments: stores.assessments,
      facts: new NumberFactsReader(twilio.lookup, stores.lookups, config.LOOKUP_CACHE_HOURS, logger),
      thresholds: riskThresholdsOf(config),
    });
    return {
      typeDefs,
      resolvers: fraudResolvers(stores),
      context: (base) => fraudContext(stores.assessments, base),
      consumers: fraudConsumers(stores),
      workers: fraudResponders(bus, logger, assessor),
    };
  },
};
