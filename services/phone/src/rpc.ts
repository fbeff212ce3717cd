import { AppError, ErrorCode, request, RpcTimeoutError, type NatsBus } from '@attestor/platform';
import type { RpcReply, RpcRequestInput } from '@attestor/contracts';
import type { RiskVerdict } from './domain/risk.js';

export type InquiryFacts = NonNullable<RpcReply<'rpc.inquiry.lookup'>['inquiry']>;
export type AssessRequest = RpcRequestInput<'rpc.fraud.assess'>;

/** The phone service's asks of the inquiry and fraud services (NATS request-reply, never inside a transaction). */
export interface PhoneAsks {
  /** The inquiry as the inquiry service holds it now; null when the account has no such inquiry. */
  inquiry(accountId: string, inquiryId: string): Promise<InquiryFacts | null>;
  /**
   * The same, right before a send, asking the inquiry service to hold an open inquiry open for
   * `holdMs` (its expiry waits): `held` says it did.
   */
  inquiryHeldForSend(
    accountId: string,
    inquiryId: string,
    holdMs: number,
  ): Promise<{ held: boolean; inquiry: InquiryFacts | null }>;
  /** The fraud engine's decision on one send; `unavailable` when it did not answer or could not decide. */
  assess(ask: AssessRequest): Promise<RiskVerdict & { failure?: string }>;
}

export function phoneAsks(bus: NatsBus, timeoutMs: number): PhoneAsks {
  const lookup = async (ask: RpcRequestInput<'rpc.inquiry.lookup'>) => {
    try {
      return await request(bus, 'rpc.inquiry.lookup', ask, { timeoutMs });
    } catch (error) {
      if (error instanceof RpcTimeoutError) {
        throw new AppError(ErrorCode.PROVIDER_ERROR, 'Inquiry lookup unavailable, try again');
      }
      throw error;
    }
  };
  return {
    async inquiry(accountId, inquiryId) {
      return (await lookup({ accountId, inquiryId })).inquiry;
    },
    inquiryHeldForSend: (accountId, inquiryId, holdMs) =>
      lookup({ accountId, inquiryId, holdForSendMs: holdMs }),
    async assess(ask) {
      try {
        const reply = await request(bus, 'rpc.fraud.assess', ask, { timeoutMs });
        return {
          kind: 'assessed',
          assessmentId: reply.assessmentId,
          decision: reply.decision,
          reasons: reply.reasons,
          suggestedChannel: reply.suggestedChannel,
          challengeWork: reply.challengeWork,
        };
      } catch (error) {
        // No answer, or the fraud service failed to assess: the configured fail mode decides.
        const failure =
          error instanceof RpcTimeoutError ? 'timeout' : error instanceof AppError ? error.code : 'error';
        return { kind: 'unavailable', failure };
      }
    },
  };
}
