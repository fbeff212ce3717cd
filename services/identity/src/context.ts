import DataLoader from 'dataloader';
import { answersInKeyOrder, readScopeOf, type RequestContext } from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import type { DatabaseVerificationStore } from './store/database-verifications.js';
import type { DatabaseVerificationRow } from './store/entities.js';

/** A request's context: the verified caller and loaders scoped to what it may read. */
export interface IdentityContext extends RequestContext {
  verificationById: DataLoader<string, DatabaseVerificationRow | null>;
  verificationOfInquiry: DataLoader<string, DatabaseVerificationRow | null>;
}

export function identityContext(store: DatabaseVerificationStore, base: RequestContext): IdentityContext {
  const scope = readScopeOf(base.caller);
  return {
    ...base,
    verificationById: new DataLoader(async (ids) => {
      const rows = scope === null ? [] : await store.byIds(store.reader, scope, ids.filter(isUuid));
      return answersInKeyOrder(ids, rows, (row) => row.id, null);
    }),
    verificationOfInquiry: new DataLoader(async (inquiryIds) => {
      const rows = scope === null ? [] : await store.byInquiries(store.reader, scope, inquiryIds);
      return answersInKeyOrder(inquiryIds, rows, (row) => row.inquiryId, null);
    }),
  };
}
