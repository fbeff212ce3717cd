import {
  badInput,
  DateTimeScalar,
  requirePartner,
  requireReadScope,
  type Resolvers,
} from '@attestor/platform';
import type { IdentityContext } from './context.js';
import { compareNames, hasName, type NameInput } from './domain/names.js';
import type { DatabaseVerificationRow } from './store/entities.js';

function databaseVerification(row: DatabaseVerificationRow | null) {
  if (!row) return null;
  const match = row.nameMatch;
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    // A redacted comparison keeps its verdict only.
    nameMatch: match && {
      result: match.result,
      score: match.score,
      first: match.first ?? null,
      last: match.last ?? null,
      reasons: match.reasons ?? [],
    },
    failureReason: row.failureReason,
    completedAt: row.completedAt,
  };
}

const MAX_NAME_PART = 200;
const nameFields = ['full', 'first', 'middle', 'last'] as const;

/** Each side needs `full`, or `first` and/or `last`; no part over 200 characters. */
function checkedName(input: NameInput, side: 'a' | 'b'): NameInput {
  for (const field of nameFields) {
    const value = input[field];
    if (typeof value === 'string' && value.length > MAX_NAME_PART) {
      throw badInput(`${side}.${field} is longer than ${MAX_NAME_PART} characters`, `${side}.${field}`);
    }
  }
  if (!hasName(input)) throw badInput(`${side} needs full, or first and/or last`, side);
  return input;
}

export function identityResolvers(): Resolvers<IdentityContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      compareNames: (_: unknown, args: { a: NameInput; b: NameInput }, ctx: IdentityContext) => {
        requirePartner(ctx.caller);
        return compareNames(checkedName(args.a, 'a'), checkedName(args.b, 'b'));
      },
    },
    Inquiry: {
      databaseVerification: async (inquiry: { id: string }, _: unknown, ctx: IdentityContext) => {
        requireReadScope(ctx.caller);
        return databaseVerification(await ctx.verificationOfInquiry.load(inquiry.id));
      },
    },
    DatabaseVerification: {
      __resolveReference: async (reference: { id: string }, ctx: IdentityContext) => {
        requireReadScope(ctx.caller);
        return databaseVerification(await ctx.verificationById.load(reference.id));
      },
    },
  };
}
