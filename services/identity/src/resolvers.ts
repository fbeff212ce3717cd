import DataLoader from 'dataloader';
import {
  accountOf,
  badInput,
  DateTimeScalar,
  type Caller,
  type RequestContext,
  type Resolvers,
} from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import { compareNames, hasName, type NameInput } from './domain/names.js';
import type { DatabaseVerificationStore, VerificationScope } from './store/database-verifications.js';
import type { DatabaseVerificationRow } from './store/entities.js';

export interface IdentityContext extends RequestContext {
  verificationById: DataLoader<string, DatabaseVerificationRow | null>;
  verificationOfInquiry: DataLoader<string, DatabaseVerificationRow | null>;
}

/** A partner sees its account; a session only its own inquiry. Others are refused before any query. */
function scopeOf(caller: Caller): VerificationScope {
  const accountId = accountOf(caller);
  return caller.kind === 'session' ? { accountId, inquiryId: caller.inquiryId } : { accountId };
}

export function identityContext(store: DatabaseVerificationStore, base: RequestContext): IdentityContext {
  return {
    ...base,
    verificationById: new DataLoader(async (ids) => {
      const rows = await store.byIds(scopeOf(base.caller), ids.filter(isUuid));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    verificationOfInquiry: new DataLoader(async (inquiryIds) => {
      const rows = await store.byInquiries(scopeOf(base.caller), inquiryIds);
      const byInquiry = new Map(rows.map((row) => [row.inquiryId, row]));
      return inquiryIds.map((id) => byInquiry.get(id) ?? null);
    }),
  };
}

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
        accountOf(ctx.caller);
        return compareNames(checkedName(args.a, 'a'), checkedName(args.b, 'b'));
      },
    },
    Inquiry: {
      databaseVerification: async (inquiry: { id: string }, _: unknown, ctx: IdentityContext) => {
        scopeOf(ctx.caller);
        return databaseVerification(await ctx.verificationOfInquiry.load(inquiry.id));
      },
    },
    DatabaseVerification: {
      __resolveReference: async (reference: { id: string }, ctx: IdentityContext) => {
        scopeOf(ctx.caller);
        return databaseVerification(await ctx.verificationById.load(reference.id));
      },
    },
  };
}
