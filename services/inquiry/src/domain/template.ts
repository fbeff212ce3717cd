import { badInput } from '@attestor/platform/errors';
import {
  nameMatchResults,
  noNameDataDecisions,
  verificationSteps,
  type NameMatchResult,
  type NoNameDataDecision,
  type VerificationStep,
} from '@attestor/contracts';

export interface TemplateInput {
  name: string;
  steps: readonly string[];
  expiresInSeconds?: number | null;
  autoApproveAt?: string | null;
  whenNoNameData?: string | null;
  identityMatch?: boolean | null;
  redirectUrl?: string | null;
}

export interface TemplateSpec {
  name: string;
  steps: VerificationStep[];
  expiresInSeconds: number;
  autoApproveAt: NameMatchResult;
  /** The decision when the carrier holds no name for the verified number (NO_DATA_AVAILABLE). */
  whenNoNameData: NoNameDataDecision;
  /** Also ask Lookup identity_match with the inquiry's names (a paid Lookup package). */
  identityMatch: boolean;
  /** The partner's page the hosted flow's done page links to ("Continue"); null: none. */
  redirectUrl: string | null;
}

export const TEMPLATE_NAME_MAX_LENGTH = 100;
/** Five minutes: shorter than one OTP round with a resend would be a trap for the end user. */
export const MIN_EXPIRY_SECONDS = 300;
/** Thirty days. */
export const MAX_EXPIRY_SECONDS = 30 * 24 * 3600;
export const DEFAULT_EXPIRY_SECONDS = 86_400;
export const DEFAULT_AUTO_APPROVE_AT: NameMatchResult = 'HIGH_PARTIAL_MATCH';
export const DEFAULT_WHEN_NO_NAME_DATA: NoNameDataDecision = 'REVIEW';

export const REDIRECT_URL_MAX_LENGTH = 2048;
/** Hosts a plain-http redirect may name: the end user's own machine (a partner app in development). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The redirect URL as stored, or BAD_USER_INPUT on `redirectUrl`: absolute https (plain http only to a
 * loopback host — the browser follows it, not a server, so there is nothing to reach inside our network
 * and no flag is needed), no user:password, at most 2048 characters. Empty or null: no redirect.
 */
export function checkRedirectUrl(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const text = value.trim();
  if (text.length > REDIRECT_URL_MAX_LENGTH) {
    throw badInput(`redirectUrl may have at most ${REDIRECT_URL_MAX_LENGTH} characters`, 'redirectUrl');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput('redirectUrl must be an absolute URL (https://…)', 'redirectUrl');
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw badInput('redirectUrl must use https (http only for localhost)', 'redirectUrl');
  }
  if (url.username !== '' || url.password !== '') {
    throw badInput('redirectUrl may not carry a user name or password', 'redirectUrl');
  }
  return url.href;
}

function isStep(value: string): value is VerificationStep {
  return (verificationSteps as readonly string[]).includes(value);
}

function isMatchResult(value: string): value is NameMatchResult {
  return (nameMatchResults as readonly string[]).includes(value);
}

export function checkTemplate(input: TemplateInput): TemplateSpec {
  const name = input.name.trim();
  const nameLength = [...name].length;
  if (nameLength === 0 || nameLength > TEMPLATE_NAME_MAX_LENGTH) {
    throw badInput(`A template name must have 1 to ${TEMPLATE_NAME_MAX_LENGTH} characters`, 'name');
  }
  if (input.steps.length === 0) throw badInput('A template needs at least one step', 'steps');
  const steps: VerificationStep[] = [];
  for (const step of input.steps) {
    if (!isStep(step)) throw badInput(`Unknown step ${step}`, 'steps');
    if (steps.includes(step)) throw badInput(`Step ${step} is listed twice`, 'steps');
    steps.push(step);
  }
  // The name match looks up the number the phone step verified: without that step it has nothing to ask.
  if (steps.includes('DATABASE_NAME_MATCH') && !steps.includes('PHONE_OTP')) {
    throw badInput('DATABASE_NAME_MATCH needs the PHONE_OTP step', 'steps');
  }
  const expiresInSeconds = input.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS;
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < MIN_EXPIRY_SECONDS ||
    expiresInSeconds > MAX_EXPIRY_SECONDS
  ) {
    throw badInput(
      `expiresInSeconds must be between ${MIN_EXPIRY_SECONDS} and ${MAX_EXPIRY_SECONDS}`,
      'expiresInSeconds',
    );
  }
  const autoApproveAt = input.autoApproveAt ?? DEFAULT_AUTO_APPROVE_AT;
  if (!isMatchResult(autoApproveAt))
    throw badInput(`Unknown name match result ${autoApproveAt}`, 'autoApproveAt');
  // At NO_MATCH every record would approve, which is no check at all; no data is no match level.
  if (autoApproveAt === 'NO_MATCH' || autoApproveAt === 'NO_DATA_AVAILABLE') {
    throw badInput('autoApproveAt must be PARTIAL_MATCH or stronger', 'autoApproveAt');
  }
  const whenNoNameData = input.whenNoNameData ?? DEFAULT_WHEN_NO_NAME_DATA;
  if (!(noNameDataDecisions as readonly string[]).includes(whenNoNameData)) {
    throw badInput(`whenNoNameData must be one of ${noNameDataDecisions.join(', ')}`, 'whenNoNameData');
  }
  return {
    name,
    steps,
    expiresInSeconds,
    autoApproveAt,
    whenNoNameData: whenNoNameData as NoNameDataDecision,
    identityMatch: input.identityMatch ?? false,
    redirectUrl: checkRedirectUrl(input.redirectUrl),
  };
}
