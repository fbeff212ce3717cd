import { z } from 'zod';
import {
  badInput,
  DateTimeScalar,
  requirePartner,
  requireReadScope,
  type Clock,
  type Resolvers,
} from '@attestor/platform';
import type { FraudContext } from './context.js';
import { listKinds, listMatches } from './domain/lists.js';
import { fraudModes } from './domain/policy.js';
import { ruleTable, type RuleEvaluation } from './domain/rules.js';
import { statsBuckets } from './domain/stats.js';
import type { Breakers } from './flows/breakers.js';
import type { FraudLists } from './flows/lists.js';
import type { FraudPolicies } from './flows/policy.js';
import type { FraudStats } from './flows/stats.js';
import type { BreakerRow } from './store/breakers.js';
import type { AssessmentRow } from './store/entities.js';
import type { ListEntryRow } from './store/lists.js';

export interface FraudFlows {
  policies: FraudPolicies;
  stats: FraudStats;
  breakers: Breakers;
  lists: FraudLists;
  clock: Clock;
}

/** The SDL has checked types and enums; these schemas check what it cannot and name the field. */
const policyInput = z.object({
  mode: z.enum(fraudModes).nullish(),
  countries: z
    .array(z.object({ countryCode: z.string(), smsAllowed: z.boolean(), maxPerHour: z.number().nullish() }))
    .nullish(),
  blockLineTypes: z.array(z.string()).nullish(),
  callLineTypes: z.array(z.string()).nullish(),
  maxSmsPerDay: z.number().nullish(),
  challengeAt: z.number().nullish(),
  blockAt: z.number().nullish(),
  challengeAcceptsCall: z.boolean().nullish(),
});
const statsArgs = z.object({ since: z.date().nullish(), bucket: z.enum(statsBuckets).nullish() });
const listEntryInput = z.object({
  kind: z.enum(listKinds),
  match: z.enum(listMatches),
  value: z.string().max(200, 'value has at most 200 characters'),
  note: z.string().nullish(),
});
const idArg = z.object({ id: z.string().max(100) });

/** Parses resolver arguments; a failure is BAD_USER_INPUT naming the first field at fault. */
function parse<T>(schema: z.ZodType<T>, args: unknown, prefix = ''): T {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  throw badInput(issue?.message ?? 'invalid input', field || undefined);
}

/** Keys of the input the caller actually gave (absent keeps, null clears). */
function given<T extends Record<string, unknown>>(raw: Record<string, unknown>, parsed: T): Partial<T> {
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => key in raw)) as Partial<T>;
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
    // Rows written before a field existed answer what they can.
    enforcedDecision: row.details.enforcedDecision ?? row.decision,
    rules: row.details.rules ?? [],
  };
}

/** RiskAssessment.rules: what each rule saw, for the partner only (see the schema). */
function ruleEvaluations(assessment: { rules: RuleEvaluation[] }, ctx: FraudContext) {
  requirePartner(ctx.caller);
  return assessment.rules.map((evaluation) => ({
    rule: evaluation.rule,
    layer: ruleTable[evaluation.rule].layer,
    fired: evaluation.fired,
    effect: evaluation.effect,
    observed: Object.entries(evaluation.saw).map(([name, value]) => ({ name, value: JSON.stringify(value) })),
  }));
}

function breaker(row: BreakerRow, now: Date) {
  return {
    id: row.id,
    scope: row.scope,
    key: row.label,
    reason: row.reason,
    unverifiedSends: row.unverifiedSends,
    threshold: row.threshold,
    openedAt: row.openedAt,
    closesAt: row.closesAt,
    // A breaker whose cooling ended is closed even before the sweeper records it.
    closedAt: row.closedAt ?? (row.closesAt <= now ? row.closesAt : null),
  };
}

function listEntry(row: ListEntryRow) {
  return {
    id: row.id,
    kind: row.kind,
    match: row.match,
    value: row.shown,
    note: row.note,
    createdAt: row.createdAt,
  };
}

export function fraudResolvers(flows: FraudFlows): Resolvers<FraudContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      fraudPolicy: async (_: unknown, __: unknown, ctx: FraudContext) =>
        flows.policies.get(requirePartner(ctx.caller).accountId),
      fraudStats: async (_: unknown, args: unknown, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        const { since, bucket } = parse(statsArgs, args);
        return flows.stats.of(accountId, since ?? null, bucket ?? null);
      },
      fraudBreakers: async (_: unknown, args: { open?: boolean | null }, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        const rows = await flows.breakers.list(accountId, args.open ?? null);
        const now = flows.clock.now();
        return rows.map((row) => breaker(row, now));
      },
      fraudListEntries: async (_: unknown, __: unknown, ctx: FraudContext) =>
        (await flows.lists.list(requirePartner(ctx.caller).accountId)).map(listEntry),
    },
    Mutation: {
      updateFraudPolicy: async (_: unknown, args: { input: Record<string, unknown> }, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        const input = parse(policyInput, args.input, 'input');
        return flows.policies.update(accountId, given(args.input, input));
      },
      closeFraudBreaker: async (_: unknown, args: unknown, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        const { id } = parse(idArg, args);
        return breaker(await flows.breakers.close(accountId, id, ctx.requestId), flows.clock.now());
      },
      addFraudListEntry: async (_: unknown, args: { input: unknown }, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        return listEntry(await flows.lists.add(accountId, parse(listEntryInput, args.input, 'input')));
      },
      removeFraudListEntry: async (_: unknown, args: unknown, ctx: FraudContext) => {
        const { accountId } = requirePartner(ctx.caller);
        const { id } = parse(idArg, args);
        return listEntry(await flows.lists.remove(accountId, id));
      },
    },
    RiskAssessment: {
      rules: (assessment: { rules: RuleEvaluation[] }, _: unknown, ctx: FraudContext) =>
        ruleEvaluations(assessment, ctx),
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
