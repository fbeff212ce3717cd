import type { Clock, ServiceMetrics } from '@attestor/platform';
import type { RpcReply } from '@attestor/contracts';
import { breakerScopes } from '../domain/breaker.js';
import type { BreakerStore } from '../store/breakers.js';

type Decision = RpcReply<'rpc.fraud.assess'>['decision'];

/**
 * The fraud service's series (docs/operations.md): assessments by decision and how long one took in
 * this process (counted per instance, summed by Prometheus), and the breakers open now per scope — a
 * gauge read from the database at scrape time, so every replica reports the same, correct figure
 * whichever of them opened or closed a breaker (aggregate it with max, not sum).
 */
export class FraudMetrics {
  private readonly assessments;
  private readonly duration;

  constructor(metrics: ServiceMetrics, breakers: BreakerStore, clock: Clock) {
    this.assessments = metrics.counter(
      'attestor_fraud_assessments_total',
      'Risk assessments answered, by decision (ALLOW, CHALLENGE, BLOCK; RECORD_ONLY answers ALLOW)',
      ['decision'],
    );
    this.duration = metrics.histogram(
      'attestor_fraud_assess_duration_seconds',
      'Time to answer rpc.fraud.assess in the fraud service (from the ask parsed to the reply), by decision',
      ['decision'],
      [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    );
    metrics.gauge(
      'attestor_fraud_breakers_open',
      'Conversion breakers open now (not closed, cooling not over), by scope, across all accounts and replicas',
      ['scope'],
      async (gauge) => {
        const open = await breakers.openCounts(breakers.reader, clock.now());
        for (const scope of breakerScopes) gauge.set({ scope }, open.get(scope) ?? 0);
      },
    );
  }

  assessed(decision: Decision, seconds: number): void {
    this.assessments.inc({ decision });
    this.duration.observe({ decision }, seconds);
  }
}
