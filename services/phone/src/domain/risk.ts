import type { PhoneChannel, RiskDecision } from '@attestor/contracts';

/** What the fraud service answered, or that it could not be asked in time. */
export type RiskVerdict =
  | {
      kind: 'assessed';
      assessmentId: string;
      decision: RiskDecision;
      reasons: string[];
      /** A channel the fraud engine would allow where the one asked for is refused. */
      suggestedChannel: PhoneChannel | null;
      /** A CHALLENGE's proof of work as a multiple of the usual (more while an attack grows). */
      challengeWork: number;
    }
  | { kind: 'unavailable' };

export type FraudFailMode = 'closed' | 'open';

/** What to do about a send, given the risk verdict and the configured fail mode. */
export type SendDecision =
  | { action: 'send'; assessmentId: string | null; assessmentSkipped: boolean }
  | { action: 'block'; assessmentId: string; reasons: string[] }
  | { action: 'challenge'; assessmentId: string; reasons: string[]; work: number }
  /** Refused on this channel, allowed on another: the caller is told which, nothing is stored. */
  | { action: 'use-channel'; assessmentId: string; channel: PhoneChannel }
  /** No verdict and FRAUD_FAIL_MODE=closed: nothing is sent. */
  | { action: 'unassessed' };

export function decideSend(
  verdict: RiskVerdict,
  failMode: FraudFailMode,
  channel: PhoneChannel,
): SendDecision {
  if (verdict.kind === 'unavailable') {
    return failMode === 'open'
      ? { action: 'send', assessmentId: null, assessmentSkipped: true }
      : { action: 'unassessed' };
  }
  const { assessmentId, suggestedChannel } = verdict;
  if (verdict.decision === 'ALLOW') return { action: 'send', assessmentId, assessmentSkipped: false };
  if (suggestedChannel !== null && suggestedChannel !== channel) {
    return { action: 'use-channel', assessmentId, channel: suggestedChannel };
  }
  if (verdict.decision === 'CHALLENGE') {
    return { action: 'challenge', assessmentId, reasons: verdict.reasons, work: verdict.challengeWork };
  }
  return {
    action: 'block',
    assessmentId,
    reasons: verdict.reasons.length > 0 ? verdict.reasons : ['BLOCKED'],
  };
}

/** What the caller reads when another channel would work, e.g. a landline that takes calls, not SMS. */
export function otherChannelMessage(asked: PhoneChannel, works: PhoneChannel): string {
  const name = { SMS: 'an SMS', CALL: 'a voice call', WHATSAPP: 'a WhatsApp message' } as const;
  return `This number cannot be verified by ${name[asked]}; ${name[works]} works (channel ${works})`;
}
