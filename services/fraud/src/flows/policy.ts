import { badInput } from '@attestor/platform';
import {
  applyPolicyChange,
  PolicyRejected,
  thresholdsOf,
  type FraudPolicy,
  type FraudPolicyChange,
  type RiskThresholds,
} from '../domain/policy.js';
import type { PolicyStore } from '../store/policies.js';

/** A policy as the API shows it: the thresholds it acts with, its own or the service's. */
export type EffectivePolicy = Omit<FraudPolicy, 'challengeAt' | 'blockAt'> & RiskThresholds;

/** fraudPolicy / updateFraudPolicy. */
export class FraudPolicies {
  constructor(private readonly deps: { store: PolicyStore; thresholds: RiskThresholds }) {}

  async get(accountId: string): Promise<EffectivePolicy> {
    return this.effective(await this.deps.store.get(this.deps.store.reader, accountId));
  }

  /** Applies a change, or BAD_USER_INPUT naming the input field at fault (nothing stored). */
  async update(accountId: string, change: FraudPolicyChange): Promise<EffectivePolicy> {
    try {
      return this.effective(
        await this.deps.store.update(accountId, (current) =>
          applyPolicyChange(current, change, this.deps.thresholds),
        ),
      );
    } catch (error) {
      if (error instanceof PolicyRejected) throw badInput(error.message, `input.${error.field}`);
      throw error;
    }
  }

  private effective(policy: FraudPolicy): EffectivePolicy {
    return { ...policy, ...thresholdsOf(policy, this.deps.thresholds) };
  }
}
