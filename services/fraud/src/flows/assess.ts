import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { badInput, type Outbox, type PiiCipher } from '@attestor/platform';
import { uuidv7, type RpcReply, type RpcRequest } from '@attestor/contracts';
import { assess, type RiskThresholds } from '../domain/rules.js';
import type { NumberFactsReader } from './number-facts.js';
import type { AssessmentStore } from '../store/assessments.js';
import type { PolicyStore } from '../store/policies.js';

type AssessRequest = RpcRequest<'rpc.fraud.assess'>;
type AssessReply = RpcReply<'rpc.fraud.assess'>;

/**
 * Answers `rpc.fraud.assess`: opens the number, reads Lookup through the cache, counts the account's
 * recent sends, decides, and stores the assessment (publishing `fraud.assessment.blocked` on BLOCK)
 * in one transaction.
 */
export class Assessor {
  constructor(
    private readonly deps: {
      outbox: Outbox;
      pii: PiiCipher;
      policies: PolicyStore;
      assessments: AssessmentStore;
      facts: NumberFactsReader;
      thresholds: RiskThresholds;
    },
  ) {}

  async assess(request: AssessRequest, meta: { requestId: string | null }): Promise<AssessReply> {
    const { outbox, pii, policies, assessments, facts, thresholds } = this.deps;
    let phoneNumber: string;
    try {
      phoneNumber = pii.open(request.phoneNumberSealed);
    } catch {
      throw badInput('phoneNumberSealed is not a sealed value of this platform', 'phoneNumberSealed');
    }
    const phoneHash = pii.hash(phoneNumber);
    const lookup = await facts.read(phoneNumber, phoneHash);
    // The number itself says where it rings; the caller's country code is the fallback.
    const countryCode =
      parsePhoneNumberFromString(phoneNumber)?.country ?? (request.countryCode.trim().toUpperCase() || null);

    return outbox.transaction(
      async (tx) => {
        // One account's assessments run one at a time, so two sends cannot both squeeze under a cap.
        await assessments.lockAccount(tx.manager, request.accountId);
        const policy = await policies.get(tx.manager, request.accountId);
        const counters = await assessments.sendCounters(tx.manager, request.accountId, countryCode);
        const outcome = assess({ policy, countryCode, facts: lookup.facts, counters, thresholds });
        const stored = await assessments.insert(tx.manager, {
          id: uuidv7(),
          accountId: request.accountId,
          inquiryId: request.inquiryId,
          verificationId: request.verificationId,
          decision: outcome.decision,
          score: outcome.score,
          reasons: outcome.reasons,
          details: { ...outcome.details, channel: request.channel, lookup: lookup.source },
          countryCode,
          lineType: lookup.facts?.lineType ?? null,
          smsPumpingRiskScore: lookup.facts?.smsPumpingRiskScore ?? null,
          mode: outcome.mode,
          phoneHash,
        });
        if (stored.decision === 'BLOCK') {
          await tx.publish('fraud.assessment.blocked', {
            accountId: stored.accountId,
            subjectId: stored.id,
            data: { inquiryId: stored.inquiryId, countryCode, reasons: stored.reasons },
          });
        }
        return {
          assessmentId: stored.id,
          decision: stored.decision,
          score: stored.score,
          reasons: stored.reasons,
          suggestedChannel: null,
        };
      },
      { requestId: meta.requestId },
    );
  }
}
