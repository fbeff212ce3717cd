/**
 * The proof of work a CHALLENGED verification asks for (ALTCHA v1, docs/phone.md): find the number n
 * in [0, maxNumber] with hash(salt + n) = challenge. The search runs in a Web Worker
 * (`challenge-worker.ts`, altcha-lib's solver) so the page stays responsive; this module holds the
 * messages between the two and the payload the API takes back as `challengeSolution`.
 */
export interface ProofOfWork {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxNumber: number;
}

/** Page → worker: solve this. */
export interface SolveRequest {
  algorithm: string;
  challenge: string;
  salt: string;
  maxNumber: number;
}

/** Worker → page: how far it got, the number found, or that none in the range solves it. */
export type SolveMessage =
  | { kind: 'progress'; tried: number; of: number }
  | { kind: 'solved'; number: number }
  | { kind: 'unsolvable' };

/** Numbers tried between two progress messages: small enough for a smooth bar, large enough to be cheap. */
export const SOLVE_CHUNK = 5_000;

/** The ranges [start, end] (inclusive, as altcha-lib's solver takes them) a search of 0..maxNumber walks. */
export function chunksOf(maxNumber: number, size = SOLVE_CHUNK): Array<{ start: number; end: number }> {
  const chunks: Array<{ start: number; end: number }> = [];
  for (let start = 0; start <= maxNumber; start += size) {
    chunks.push({ start, end: Math.min(maxNumber, start + size - 1) });
  }
  return chunks;
}

/** `challengeSolution`: base64 of the JSON `{ algorithm, challenge, number, salt, signature }` altcha verifies. */
export function solutionPayload(work: ProofOfWork, number: number): string {
  const json = JSON.stringify({
    algorithm: work.algorithm,
    challenge: work.challenge,
    number,
    salt: work.salt,
    signature: work.signature,
  });
  // The JSON is ASCII (hex, base64url-like salt, digits), so btoa takes it as it is.
  return btoa(json);
}

/** 0–100, for the progress bar. */
export function percentOf(tried: number, of: number): number {
  return of <= 0 ? 0 : Math.min(100, Math.floor((tried / of) * 100));
}
