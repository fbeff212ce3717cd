import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { isUuid } from '@attestor/contracts';
import { mayAccessInquiry, type RequestContext } from '@attestor/platform';
import type { PhoneVerificationRecord } from './store/entities.js';
import { verificationStore } from './store/verifications.js';

/** A request's context: the verified caller and loaders that batch entity reads, scoped to its account. */
export interface PhoneContext extends RequestContext {
  /** Null for an id the caller may not see, exactly as for one that does not exist. */
  verificationById: DataLoader<string, PhoneVerificationRecord | null>;
  /** Newest first; empty for an inquiry the caller may not see. */
  verificationsByInquiry: DataLoader<string, PhoneVerificationRecord[]>;
}

/** The account a caller reads as; admin and anonymous callers read nothing here. */
function readerAccount(caller: RequestContext['caller']): string | null {
  return caller.kind === 'partner' || caller.kind === 'session' ? caller.accountId : null;
}

export function createPhoneContext(dataSource: DataSource, base: RequestContext): PhoneContext {
  const accountId = readerAccount(base.caller);
  const visible = (record: PhoneVerificationRecord) => mayAccessInquiry(base.caller, record.inquiryId);
  return {
    ...base,
    verificationById: new DataLoader(async (ids) => {
      const wellFormed = ids.filter(isUuid);
      const rows =
        accountId === null ? [] : await verificationStore.byIds(dataSource.manager, accountId, wellFormed);
      const byId = new Map(rows.filter(visible).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    verificationsByInquiry: new DataLoader(async (inquiryIds) => {
      const readable = inquiryIds.filter((id) => mayAccessInquiry(base.caller, id));
      const rows =
        accountId === null
          ? []
          : await verificationStore.byInquiries(dataSource.manager, accountId, readable);
      return inquiryIds.map((id) => rows.filter((row) => row.inquiryId === id));
    }),
  };
}
