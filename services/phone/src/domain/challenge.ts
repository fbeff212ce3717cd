/**
 * The proof-of-work challenge (ALTCHA v1) a CHALLENGED verification answers with, and the solved
 * payload a client sends back: base64 of `{ algorithm, challenge, number, salt, signature }`, what the
 * ALTCHA widget produces. The salt carries the verification it is bound to and its expiry
 * (`<random>?v=<id>&expires=<unix s>&`), both covered by the signature.
 */
export interface Challenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxNumber: number;
}

export interface ChallengeSolution {
  algorithm: 'SHA-1' | 'SHA-256' | 'SHA-512';
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

/** A solved payload is a few hundred bytes; anything much larger is not one. */
const MAX_SOLUTION_LENGTH = 2048;
const ALGORITHMS = new Set(['SHA-1', 'SHA-256', 'SHA-512']);

/** The payload read from the client's text, or null when it is not one. */
export function readSolution(text: string): ChallengeSolution | null {
  if (text.length === 0 || text.length > MAX_SOLUTION_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const payload = value as Record<string, unknown>;
  const strings = ['challenge', 'salt', 'signature'].every((key) => typeof payload[key] === 'string');
  if (!strings || !ALGORITHMS.has(String(payload['algorithm']))) return null;
  if (
    typeof payload['number'] !== 'number' ||
    !Number.isSafeInteger(payload['number']) ||
    payload['number'] < 0
  )
    return null;
  return {
    algorithm: payload['algorithm'] as ChallengeSolution['algorithm'],
    challenge: payload['challenge'] as string,
    number: payload['number'],
    salt: payload['salt'] as string,
    signature: payload['signature'] as string,
  };
}

/** The verification a salt is bound to and when it expires, as the signed salt says. */
export function bindingOf(salt: string): { verificationId: string | null; expiresAt: Date | null } {
  const params = new URLSearchParams(salt.split('?')[1] ?? '');
  const expires = Number(params.get('expires'));
  return {
    verificationId: params.get('v'),
    expiresAt: Number.isFinite(expires) && expires > 0 ? new Date(expires * 1000) : null,
  };
}

export type SolutionProblem = 'not-challenged' | 'other-challenge' | 'other-verification' | 'expired';

/**
 * Whether a (cryptographically checked) solution answers this verification's current challenge:
 * the same salt (so a used or replaced challenge is refused), bound to it, not expired.
 */
export function solutionProblem(
  solution: ChallengeSolution,
  current: Challenge | null,
  verificationId: string,
  now: Date,
): SolutionProblem | null {
  if (current === null) return 'not-challenged';
  if (solution.salt !== current.salt || solution.challenge !== current.challenge) return 'other-challenge';
  const binding = bindingOf(solution.salt);
  if (binding.verificationId !== verificationId) return 'other-verification';
  if (binding.expiresAt === null || binding.expiresAt.getTime() <= now.getTime()) return 'expired';
  return null;
}

export const solutionProblemMessages: Record<SolutionProblem | 'unreadable' | 'wrong', string> = {
  unreadable: 'challengeSolution is not a solved challenge payload (base64 JSON)',
  wrong: 'challengeSolution does not solve the challenge',
  'not-challenged': 'This phone verification has no challenge to solve',
  'other-challenge': 'challengeSolution answers another challenge (already used or replaced)',
  'other-verification': 'challengeSolution answers the challenge of another verification',
  expired: 'The challenge has expired; start again for a new one',
};
