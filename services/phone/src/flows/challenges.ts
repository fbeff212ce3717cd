import { createHmac } from 'node:crypto';
import { createChallenge, verifySolution } from 'altcha-lib/v1';
import type { Clock } from '@attestor/platform';
import {
  readSolution,
  solutionProblem,
  solutionProblemMessages,
  type Challenge,
  type ChallengeSolution,
} from '../domain/challenge.js';

/** The hardest challenge issued, whatever the work asked (CHALLENGE_MAX_NUMBER's own ceiling). */
const MAX_NUMBER_CEILING = 10_000_000;

/** The ALTCHA HMAC key: derived from CONTEXT_SECRET, so it is as secret and as per-installation as that. */
export function challengeKeyOf(contextSecret: string): string {
  return createHmac('sha256', contextSecret).update('attestor/phone/altcha').digest('hex');
}

/**
 * Proof-of-work challenges (ALTCHA v1, `altcha-lib`) for CHALLENGED verifications: each is bound to its
 * verification and expires; a solution is checked here, against the challenge the verification holds
 * now (so it is used once), by the injected clock.
 */
export class ChallengeIssuer {
  constructor(
    private readonly hmacKey: string,
    private readonly clock: Clock,
    private readonly options: { maxNumber: number; ttlSeconds: number },
  ) {}

  /** A challenge for the verification, `work` times as hard to solve as CHALLENGE_MAX_NUMBER makes it. */
  async issue(verificationId: string, work = 1): Promise<Challenge> {
    const expires = new Date(this.clock.now().getTime() + this.options.ttlSeconds * 1000);
    const maxNumber = Math.min(MAX_NUMBER_CEILING, this.options.maxNumber * Math.max(1, Math.floor(work)));
    const issued = await createChallenge({
      hmacKey: this.hmacKey,
      maxnumber: maxNumber,
      expires,
      params: { v: verificationId },
    });
    return {
      algorithm: issued.algorithm,
      challenge: issued.challenge,
      salt: issued.salt,
      signature: issued.signature,
      maxNumber: issued.maxnumber ?? maxNumber,
    };
  }

  /** The solution, when it solves the verification's current challenge; otherwise why not. */
  async check(
    text: string,
    current: Challenge | null,
    verificationId: string,
  ): Promise<{ ok: true; solution: ChallengeSolution } | { ok: false; message: string }> {
    const solution = readSolution(text);
    if (solution === null) return { ok: false, message: solutionProblemMessages.unreadable };
    const problem = solutionProblem(solution, current, verificationId, this.clock.now());
    if (problem !== null) return { ok: false, message: solutionProblemMessages[problem] };
    // Expiry was checked above by our clock; altcha-lib's own check would read the wall clock.
    if (!(await verifySolution(solution, this.hmacKey, false))) {
      return { ok: false, message: solutionProblemMessages.wrong };
    }
    return { ok: true, solution };
  }
}
