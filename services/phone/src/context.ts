import DataLoader from 'dataloader';
import { isUuid } from '@attestor/contracts';
import { answersInKeyOrder, readScopeOf, type RequestContext } from '@attestor/platform';
import type { PhoneVerificationRecord } from './store/entities.js';
import type { PhoneVerificationStore } from './store/verifications.js';

/** A request's context: the verified caller and loaders that batch entity reads, scoped to what it may read. */
export interface PhoneContext extends RequestContext {
  /** Null for an id the caller may not see, exactly as for one that does not exist. */
  verificationById: DataLoader<string, PhoneVerificationRecord | null>;
  /** Newest first; empty for an inquiry the caller may not see. */
  verificationsByInquiry: DataLoader<string, PhoneVerificationRecord[]>;
}

export function createPhoneContext(store: PhoneVerificationStore, base: RequestContext): PhoneContext {
  const scope = readScopeOf(base.caller);
  return {
    ...base,
    verificationById: new DataLoader(async (ids) => {
      const rows = scope === null ? [] : await store.byIds(store.reader, scope, ids.filter(isUuid));
      return answersInKeyOrder(ids, rows, (row) => row.id, null);
    }),
    verificationsByInquiry: new DataLoader(async (inquiryIds) => {
      const rows = scope === null ? [] : await store.byInquiries(store.reader, scope, inquiryIds);
      return inquiryIds.map((id) => rows.filter((row) => row.inquiryId === id));
    }),
  };
}
