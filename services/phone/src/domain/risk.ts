/** What the fraud service answered, or that it could not be asked in time. */
export type RiskVerdict =
  | { kind: 'assessed'; assessmentId: string; decision: 'ALLOW' | 'CHALLENGE' | 'BLOCK'; reasons: string[] }
  | { kind: 'unavailable' };

export type FraudFailMode = 'closed' | 'open';

/** Reason recorded when the challenge flow, which does not exist yet, would have been needed. */
export const CHALLENGE_REQUIRED = 'CHALLENGE_REQUIRED';
/** Reason recorded when Twilio's own Fraud Guard refused the send (60410). */
export const PROVIDER_BLOCKED = 'PROVIDER_FRAUD_GUARD';

/** Whether to send a code, given the risk verdict and the configured fail mode. */
export type SendDecision =
  | { action: 'send'; assessmentId: string | null; assessmentSkipped: boolean }
  | { action: 'block'; assessmentId: string; reasons: string[] }
  | { action: 'refuse' };

export function decideSend(verdict: RiskVerdict, failMode: FraudFailMode): SendDecision {
  if (verdict.kind === 'unavailable') {
    return failMode === 'open'
      ? { action: 'send', assessmentId: null, assessmentSkipped: true }
      : { action: 'refuse' };
  }
  switch (verdict.decision) {
    case 'ALLOW':
      return { action: 'send', assessmentId: verdict.assessmentId, assessmentSkipped: false };
    case 'BLOCK':
      return {
        action: 'block',
        assessmentId: verdict.assessmentId,
        reasons: nonEmpty(verdict.reasons, 'BLOCKED'),
      };
    case 'CHALLENGE':
      // The challenge flow is a later issue: until it exists a challenge stops the send like a block,
      // recorded as CHALLENGE_REQUIRED next to the rules that asked for it.
      return {
        action: 'block',
        assessmentId: verdict.assessmentId,
        reasons: [CHALLENGE_REQUIRED, ...verdict.reasons],
      };
  }
}

function nonEmpty(reasons: string[], fallback: string): string[] {
  return reasons.length > 0 ? reasons : [fallback];
}
