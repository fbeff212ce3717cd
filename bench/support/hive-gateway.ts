/**
 * Hive Gateway (`@graphql-hive/gateway`) as the peer of bench:gateway, in its own process as ours runs:
 * the same supergraph file, the same subgraphs (INQUIRY_URL…), callers authenticated and subgraph
 * requests signed as ours does (hive-signing.ts). HIVE_DEDUP=false turns its in-flight request
 * deduplication off; HIVE_ROUTER_RUNTIME=true plans and executes with Hive Router's runtime
 * (`@graphql-hive/router-runtime`: the Rust query planner, a native addon) instead of its default
 * JavaScript one; anything else keeps its defaults. Prints `ready <port>` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { createLogger, NatsBus, parseConfig } from '@attestor/platform';
import { Authenticator } from '../../services/gateway/src/auth.js';
import { gatewayConfigShape } from '../../services/gateway/src/config.js';
import { supergraphPath } from '../../services/gateway/src/subgraphs.js';
import { attestorSigning } from './hive-signing.js';

const config = parseConfig(gatewayConfigShape, process.env);
const dedup = process.env['HIVE_DEDUP'] !== 'false';
const routerRuntime = process.env['HIVE_ROUTER_RUNTIME'] === 'true';
const logger = createLogger({ service: 'hive-gateway', level: 'warn', format: 'json' });
const bus = await NatsBus.connect({
  url: config.NATS_URL,
  namespace: config.NATS_NAMESPACE,
  name: 'hive-gateway',
  logger,
});
const authenticator = new Authenticator(
  bus,
  {
    adminToken: config.ADMIN_TOKEN,
    contextSecret: config.CONTEXT_SECRET,
    keyCacheTtlMs: config.KEY_CACHE_TTL_MS,
    rpcTimeoutMs: config.RPC_TIMEOUT_MS,
  },
  logger,
);
authenticator.start();

const locations = {
  inquiry: config.INQUIRY_URL,
  phone: config.PHONE_URL,
  fraud: config.FRAUD_URL,
  identity: config.IDENTITY_URL,
};
const gateway = createGatewayRuntime({
  supergraph: config.SUPERGRAPH_PATH ?? supergraphPath,
  logging: 'error',
  landingPage: false,
  graphiql: false,
  transportEntries: {
    ...Object.fromEntries(Object.entries(locations).map(([name, location]) => [name, { location }])),
    ...(dedup ? {} : { '*.http': { options: { deduplicateInflightRequests: false } } }),
  },
  plugins: () => [attestorSigning(authenticator, config.CONTEXT_SECRET)],
  ...(routerRuntime ? { unifiedGraphHandler } : {}),
});

const server = createServer(gateway);
server.listen(config.PORT, config.HOST, () => {
  console.log(`ready ${(server.address() as AddressInfo).port}`);
});
const stop = () => {
  server.close();
  authenticator.stop();
  void Promise.resolve(gateway.dispose()).finally(() => bus.close().finally(() => process.exit(0)));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
