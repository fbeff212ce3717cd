import DataLoader from 'dataloader';
import {
  accountOf,
  badInput,
  DateTimeScalar,
  requirePartner,
  type Caller,
  type RequestContext,
  type Resolvers,
} from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import { applyPolicyChange, PolicyRejected, type FraudPolicyChange } from './domain/policy.js';
import type { AssessmentScope, AssessmentStore } from './store/assessments.js';
import type { AssessmentRow } from './store/entities.js';
import type { OutcomeStore } from './store/outcomes.js';
import type { PolicyStore } from './store/policies.js';

export interface FraudContext extends RequestContext {
  /** Assessments by id, as this caller may see them. */
  assessmentById: DataLoader<string, AssessmentRow | null>;
  /** The newest assessment of a verification, as this caller may see it. */
  assessmentOfVerification: DataLoader<string, AssessmentRow | null>;
}

export interface FraudStores {
  assessments: AssessmentStore;
  policies: PolicyStore;
  outcomes: OutcomeStore;
}

/** A partner sees its account; a session only its own inquiry. Others are refused before any query. */
function scopeOf(caller: Caller): AssessmentScope {
  const accountId = accountOf(caller);
  return caller.kind === 'session' ? { accountId, inquiryId: caller.inquiryId } : { accountId };
}

/** Per-request loaders: N references cost one query, and only the caller's rows come back. */
export function fraudContext(stores: FraudStores, base: RequestContext): FraudContext {
  return {
    ...base,
    assessmentById: new DataLoader(async (ids) => {
      const wanted = ids.filter(isUuid);
      const rows = await stores.assessments.byIds(scopeOf(base.caller), wanted);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    assessmentOfVerification: new DataLoader(async (verificationIds) => {
      const rows = await stores.assessments.latestByVerifications(scopeOf(base.caller), verificationIds);
      const byVerification = new Map(rows.map((row) => [row.verificationId, row]));
      return verificationIds.map((id) => byVerification.get(id) ?? null);
    }),
  };
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
        stores.policies.get(requirePartner(ctx.caller).accountId),
      fraudStats: async (_: unknown, args: { since?: Date | null }, ctx: FraudContext) =>
        stores.outcomes.statsByCountry(requirePartner(ctx.caller).accountId, args.since ?? null),
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
        scopeOf(ctx.caller);
        return riskAssessment(await ctx.assessmentById.load(reference.id));
      },
    },
    PhoneVerification: {
      riskAssessment: async (verification: { id: string }, _: unknown, ctx: FraudContext) => {
        scopeOf(ctx.caller);
        return riskAssessment(await ctx.assessmentOfVerification.load(verification.id));
      },
    },
  };
}
