import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one service (prom-client), served at `/metrics` on the service's own port.
 * Every series carries `service`; docs/operations.md says what each means and what to alert on.
 * Label values come from code or bounded sets only: an operation name a client chose is kept only
 * while fewer than MAX_OPERATION_NAMES distinct ones were seen, then counted as `other`.
 */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly graphqlRequests: Counter<'operation' | 'outcome'>;
  readonly graphqlDuration: Histogram<'operation'>;
  readonly graphqlErrors: Counter<'code'>;
  readonly eventsHandled: Counter<'consumer' | 'outcome'>;
  readonly rpcDuration: Histogram<'subject' | 'outcome'>;
  private readonly operations = new Set<string>();
  private readonly custom = new Map<string, Counter<string> | Gauge<string> | Histogram<string>>();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.graphqlRequests = new Counter({
      name: 'attestor_graphql_requests_total',
      help: 'GraphQL operations answered, by operation name and outcome (ok or error)',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
    this.graphqlDuration = new Histogram({
      name: 'attestor_graphql_request_duration_seconds',
      help: 'Time to answer a GraphQL operation',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.graphqlErrors = new Counter({
      name: 'attestor_graphql_errors_total',
      help: 'GraphQL errors answered, by extensions.code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.eventsHandled = new Counter({
      name: 'attestor_events_handled_total',
      help: 'Events a durable consumer took: handled, duplicate (inbox), retried or parked',
      labelNames: ['consumer', 'outcome'],
      registers: [this.registry],
    });
    this.rpcDuration = new Histogram({
      name: 'attestor_rpc_duration_seconds',
      help: 'Synchronous asks of other services, on the asking side, by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  /** A gauge read when Prometheus scrapes (outbox size, pool use…). */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (gauge: Gauge<string>) => Promise<void> | void,
  ): Gauge<string> {
    const existing = this.custom.get(name);
    if (existing) return existing as Gauge<string>;
    const gauge: Gauge<string> = new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(gauge);
      },
    });
    this.custom.set(name, gauge);
    return gauge;
  }

  /** A service's own counter (SMS sent, assessments…), made once by name. */
  counter(name: string, help: string, labelNames: string[]): Counter<string> {
    const existing = this.custom.get(name);
    if (existing) return existing as Counter<string>;
    const counter = new Counter({ name, help, labelNames, registers: [this.registry] });
    this.custom.set(name, counter);
    return counter;
  }

  /** A service's own histogram (seconds), made once by name. */
  histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
    const existing = this.custom.get(name);
    if (existing) return existing as Histogram<string>;
    const histogram = new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
    this.custom.set(name, histogram);
    return histogram;
  }

  /** The label for a client's operation name: bounded in number and shape. */
  operationLabel(name: string | null | undefined): string {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATION_NAMES) return 'other';
    this.operations.add(name);
    return name;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Counts and times every GraphQL operation an Apollo server answers, and its errors by code. */
export function graphqlMetricsPlugin<TContext extends BaseContext>(
  metrics: ServiceMetrics,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName }) {
          const operation = metrics.operationLabel(operationName ?? request.operationName);
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          metrics.graphqlRequests.inc({ operation, outcome: errors.length > 0 ? 'error' : 'ok' });
          metrics.graphqlDuration.observe({ operation }, Number(process.hrtime.bigint() - started) / 1e9);
          for (const error of errors) {
            const code = error.extensions?.['code'];
            metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code.slice(0, 32) : 'UNKNOWN' });
          }
        },
      };
    },
  };
}
