import type { HostedInquiryFragment, HostedVerificationFragment } from '../graphql/generated.js';

/**
 * The hosted flow's screens, decided from the inquiry alone (its status and its newest phone
 * verification), so a reload, a second tab or a subscription message all land on the same screen.
 */
export type HostedScreen =
  | { kind: 'phone' }
  | { kind: 'code'; verification: HostedVerificationFragment }
  | { kind: 'challenge'; verification: HostedVerificationFragment }
  | { kind: 'blocked' }
  | { kind: 'too-many-attempts' }
  | { kind: 'code-expired' }
  | { kind: 'failed' }
  | { kind: 'expired' }
  | { kind: 'finishing' }
  | { kind: 'done' };

/**
 * The done page's "Continue" link: the template's redirect URL (the partner's, checked https by the
 * inquiry service) with the inquiry's id added as `inquiry-id`, so the partner knows who came back.
 * Never a URL from the link itself, which would be an open redirect. Null: no link.
 */
export function continueUrl(redirectUrl: string | null | undefined, inquiryId: string): string | null {
  if (!redirectUrl) return null;
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  url.searchParams.set('inquiry-id', inquiryId);
  return url.href;
}

/** Twilio Verify's defaults, which the API does not expose: code length and wrong codes allowed. */
export const CODE_LENGTH = 6;
export const MAX_CHECK_ATTEMPTS = 5;
/** How long after a send the end user may ask for another one (or a call). */
export const RESEND_AFTER_SECONDS = 30;

const decided = new Set(['COMPLETED', 'APPROVED', 'DECLINED', 'NEEDS_REVIEW']);

export function screenOf(
  inquiry: Pick<HostedInquiryFragment, 'status' | 'phoneVerifications'>,
): HostedScreen {
  if (inquiry.status === 'EXPIRED') return { kind: 'expired' };
  if (decided.has(inquiry.status)) return { kind: 'done' };
  // Newest first (the API's order).
  const latest = inquiry.phoneVerifications[0];
  if (latest === undefined) return inquiry.status === 'FAILED' ? { kind: 'failed' } : { kind: 'phone' };
  switch (latest.status) {
    case 'PENDING':
      return inquiry.status === 'FAILED' ? { kind: 'failed' } : { kind: 'code', verification: latest };
    case 'CHALLENGED':
      // Nothing (new) is sent until the browser proves it is a person: the proof-of-work screen.
      return inquiry.status === 'FAILED' ? { kind: 'failed' } : { kind: 'challenge', verification: latest };
    case 'CANCELED':
      return inquiry.status === 'FAILED' ? { kind: 'failed' } : { kind: 'phone' };
    case 'APPROVED':
      return { kind: 'finishing' };
    case 'BLOCKED':
      return { kind: 'blocked' };
    case 'MAX_ATTEMPTS_REACHED':
      return { kind: 'too-many-attempts' };
    case 'EXPIRED':
      return { kind: 'code-expired' };
    case 'FAILED':
      return { kind: 'failed' };
    default:
      return unknownStatus(latest.status);
  }
}

/** A status added to the API without a screen here fails the typecheck (a new status needs its screen). */
function unknownStatus(status: never): HostedScreen {
  throw new Error(`no screen for phone verification status ${String(status)}`);
}

export function attemptsLeft(checkAttempts: number): number {
  return Math.max(0, MAX_CHECK_ATTEMPTS - checkAttempts);
}

/** Seconds until a resend is allowed, counted from the last send we know of. */
export function secondsUntilResend(lastSentAt: number, now: number): number {
  return Math.max(0, Math.ceil((lastSentAt + RESEND_AFTER_SECONDS * 1000 - now) / 1000));
}

/**
 * The digits typed or pasted into box `at` of a code of `length`, spread over the boxes from there:
 * pasting "123456" into the first box fills all six; anything but digits is dropped.
 */
export function spreadDigits(current: readonly string[], at: number, input: string, length = CODE_LENGTH) {
  const digits = input.replace(/\D/g, '').split('');
  const next = Array.from({ length }, (_, index) => current[index] ?? '');
  if (digits.length === 0) {
    next[at] = '';
    return { digits: next, focus: at };
  }
  // A whole code pasted anywhere replaces the code; otherwise the typed digits fill from `at` on.
  const start = digits.length >= length ? 0 : at;
  digits.slice(0, length - start).forEach((digit, offset) => {
    next[start + offset] = digit;
  });
  return { digits: next, focus: Math.min(start + digits.length, length - 1) };
}

/** Still in progress: a code may be checked (CHALLENGED keeps a code already sent valid). */
const active = new Set(['PENDING', 'CHALLENGED']);

/**
 * The inquiry's verifications (newest first) with what our own mutations returned folded in: a
 * verification we know as well or better (as many attempts or more, or ended) replaces its older copy
 * — a tie goes to the mutation, as PENDING ⇄ CHALLENGED moves no inquiry message reports — and a new
 * one goes first.
 */
export function mergeVerifications(
  fromInquiry: readonly HostedVerificationFragment[],
  fromMutations: readonly HostedVerificationFragment[],
): HostedVerificationFragment[] {
  const progress = (v: HostedVerificationFragment) =>
    (active.has(v.status) ? 0 : 1_000_000) + v.checkAttempts + v.sendAttempts;
  const merged = fromInquiry.map((known) => {
    const mine = fromMutations.find((v) => v.id === known.id);
    return mine && progress(mine) >= progress(known) ? mine : known;
  });
  const unseen = fromMutations.filter((v) => !fromInquiry.some((known) => known.id === v.id));
  return [...unseen, ...merged].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
