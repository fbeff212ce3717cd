import {
  badInput,
  DateTimeScalar,
  requirePartner,
  requireReadScope,
  type Resolvers,
} from '@attestor/platform';
import type { FraudContext } from './context.js';
import { applyPolicyChange, PolicyRejected, type FraudPolicyChange } from './domain/policy.js';
import type { AssessmentStore } from './store/assessments.js';
import type { AssessmentRow } from './store/entities.js';
import type { OutcomeStore } from './store/outcomes.js';
import type { PolicyStore } from './store/policies.js';

export interface FraudStores {
  assessments: AssessmentStore;
  policies: PolicyStore;
  outcomes: OutcomeStore;
}

function riskAssessment(row: AssessmentRow | null) {
  if (!row) return null;
  return {
    id: row.id,
    decision: row.decision,
    score: row.score,
    reasons: row.reasons,
    countryCode: row.countryCode,
    lineType: row.lineType,
    smsPumpingRiskScore: row.smsPumpingRiskScore,
    mode: row.mode,
    createdAt: row.createdAt,
  };
}

export function fraudResolvers(stores: FraudStores): Resolvers<FraudContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      fraudPolicy: async (_: unknown, __: unknown, ctx: FraudContext) =>
        stores.policies.get(stores.policies.reader, requirePartner(ctx.caller).accountId),
      fraudStats: async (_: unknown, args: { since?: Date | null }, ctx: FraudContext) =>
        stores.outcomes.statsByCountry(
          stores.outcomes.reader,
          requirePartner(ctx.caller).accountId,
          args.since ?? null,
        ),
    },
    Mutation: {
      updateFraudPolicy: async (_: unknown, args: { input: FraudPolicyChange }, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        try {
          return await stores.policies.update(accountId, (current) => applyPolicyChange(current, args.input));
        } catch (error) {
          if (error instanceof PolicyRejected) throw badInput(error.message, `input.${error.field}`);
          throw error;
        }
      },
    },
    RiskAssessment: {
      __resolveReference: async (reference: { id: string }, ctx: FraudContext) => {
        requireReadScope(ctx.caller);
        return riskAssessment(await ctx.assessmentById.load(reference.id));
      },
    },
    PhoneVerification: {
      riskAssessment: async (verification: { id: string }, _: unknown, ctx: FraudContext) => {
        requireReadScope(ctx.caller);
        return riskAssessment(await ctx.assessmentOfVerification.load(verification.id));
      },
    },
  };
}
