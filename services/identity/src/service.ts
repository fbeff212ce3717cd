import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ServiceDefinition } from '@attestor/platform';
import { twilioFromConfig } from '@attestor/twilio';
import type { IdentityConfig } from './config.js';
import { identityContext, type IdentityContext } from './context.js';
import { identityConsumers } from './events.js';
import { DatabaseVerification } from './flows/database-verification.js';
import { identityResolvers } from './resolvers.js';
import { inquiryAsks } from './rpc.js';
import { DatabaseVerificationStore } from './store/database-verifications.js';
import { DatabaseVerificationEntity } from './store/entities.js';
import { CreateDatabaseVerifications1764201700000 } from './store/migrations/CreateDatabaseVerifications1764201700000.js';
import { DatabaseVerificationFailureReason1764950000000 } from './store/migrations/DatabaseVerificationFailureReason1764950000000.js';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The identity subgraph: the name on the ID against the name the carrier holds for the verified number. */
export const identityService: ServiceDefinition<IdentityConfig, IdentityContext> = {
  name: 'identity',
  entities: [DatabaseVerificationEntity],
  migrations: [CreateDatabaseVerifications1764201700000, DatabaseVerificationFailureReason1764950000000],
  build(deps) {
    const { config, dataSource, schema, bus, pii } = deps;
    const store = new DatabaseVerificationStore(dataSource, schema);
    const verification = new DatabaseVerification({
      pii,
      lookup: twilioFromConfig(config).lookup,
      store,
      inquiries: inquiryAsks(bus, config.RPC_TIMEOUT_MS),
    });
    return {
      typeDefs,
      resolvers: identityResolvers(),
      context: (base) => identityContext(store, base),
      consumers: identityConsumers(verification, store),
    };
  },
};
