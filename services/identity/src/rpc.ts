import { request, type NatsBus } from '@attestor/platform';
import type { RpcReply } from '@attestor/contracts';

export type InquiryFacts = NonNullable<RpcReply<'rpc.inquiry.lookup'>['inquiry']>;

/** The identity service's asks of the inquiry service. */
export interface InquiryAsks {
  /** The inquiry's steps, status and sealed names; null when the account has no such inquiry. */
  lookup(accountId: string, inquiryId: string): Promise<InquiryFacts | null>;
}

export function inquiryAsks(bus: NatsBus, timeoutMs: number): InquiryAsks {
  return {
    lookup: async (accountId, inquiryId) =>
      (await request(bus, 'rpc.inquiry.lookup', { accountId, inquiryId }, { timeoutMs })).inquiry,
  };
}
