import { twilioTimestamp } from '../clock.js';
import { invalidParameter, resourceNotFound } from '../errors.js';
import { formParams } from '../http.js';
import type { EmulatorRequest, Route } from '../http.js';
import { isValidE164 } from '../phone-numbers.js';
import type { EmulatorState } from '../state.js';
import { VERIFICATION_CHANNELS } from '../verifications.js';
import type {
  CheckVerification,
  StartVerification,
  Verification,
  VerificationChannel,
} from '../verifications.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCALE = /^[a-z]{2}(-[A-Za-z]{2,4})?$/;
const VERIFICATION_SID = /^VE[0-9a-fA-F]{32}$/;
const CODE = /^[A-Za-z0-9]{4,10}$/;
const MAX_TAGS = 10;

/** How Twilio labels each channel inside `send_code_attempts` (as in its own examples). */
const ATTEMPT_CHANNEL_LABEL: Record<VerificationChannel, string> = {
  sms: 'SMS',
  call: 'CALL',
  email: 'EMAIL',
  whatsapp: 'whatsapp',
};

/** Verify v2: start, check, fetch and update verifications of the one configured service. */
export function verifyRoutes(state: EmulatorState, accountSid: string): Route[] {
  const { verify, numbers } = state;

  function requireService(request: EmulatorRequest): void {
    if (request.params['serviceSid'] !== verify.sid) throw resourceNotFound(request.path);
  }

  function resource(v: Verification): Record<string, unknown> {
    const owner = v.channel === 'email' ? undefined : numbers.profile(v.to);
    return {
      sid: v.sid,
      service_sid: v.serviceSid,
      account_sid: accountSid,
      to: v.to,
      channel: v.channel,
      status: v.status,
      valid: v.status === 'approved',
      date_created: twilioTimestamp(v.createdAt),
      date_updated: twilioTimestamp(v.updatedAt),
      lookup:
        owner === undefined
          ? {}
          : {
              carrier: {
                error_code: null,
                name: owner.carrierName,
                mobile_country_code: owner.mobileCountryCode,
                mobile_network_code: owner.mobileNetworkCode,
                type: owner.lineType,
              },
            },
      amount: null,
      payee: null,
      send_code_attempts: v.sendCodeAttempts.map((attempt) => ({
        time: twilioTimestamp(attempt.time),
        channel: ATTEMPT_CHANNEL_LABEL[attempt.channel],
        attempt_sid: attempt.attemptSid,
      })),
      sna: null,
      url: `https://verify.twilio.com/v2/Services/${v.serviceSid}/Verifications/${v.sid}`,
    };
  }

  function checkResource(v: Verification): Record<string, unknown> {
    return {
      sid: v.sid,
      service_sid: v.serviceSid,
      account_sid: accountSid,
      to: v.to,
      channel: v.channel,
      status: v.status,
      valid: v.status === 'approved',
      amount: null,
      payee: null,
      sna_attempts_error_codes: null,
      date_created: twilioTimestamp(v.createdAt),
      date_updated: twilioTimestamp(v.updatedAt),
    };
  }

  /**
   * A verification's send attempts as Verify Attempts lists them. The code is one per verification,
   * so the newest attempt before an approval is the one `converted`; every other is `unconverted`.
   */
  function attemptResources(v: Verification): Array<Record<string, unknown>> {
    const owner = v.channel === 'email' ? undefined : numbers.profile(v.to);
    const approved = v.status === 'approved';
    return v.sendCodeAttempts.map((attempt, index) => {
      const converted = approved && index === v.sendCodeAttempts.length - 1;
      return {
        sid: attempt.attemptSid,
        account_sid: accountSid,
        service_sid: v.serviceSid,
        verification_sid: v.sid,
        date_created: twilioTimestamp(attempt.time),
        date_updated: twilioTimestamp(converted ? v.updatedAt : attempt.time),
        conversion_status: converted ? 'converted' : 'unconverted',
        channel: attempt.channel,
        price: null,
        channel_data: {
          verification_sid: v.sid,
          to: v.to,
          ...(owner === undefined
            ? {}
            : { carrier: owner.carrierName, mcc: owner.mobileCountryCode, mnc: owner.mobileNetworkCode }),
        },
        url: `https://verify.twilio.com/v2/Attempts/${attempt.attemptSid}`,
      };
    });
  }

  return [
    {
      method: 'GET',
      pattern: '/v2/Attempts',
      access: 'twilio',
      operation: 'ListVerificationAttempt',
      handle(request) {
        const { query } = request;
        const serviceSid = optional(query, 'VerifyServiceSid');
        const verificationSid = optional(query, 'VerificationSid');
        if (verificationSid !== null && !VERIFICATION_SID.test(verificationSid)) {
          throw invalidParameter('VerificationSid', `${verificationSid} is not a Verification SID`);
        }
        const pageSize = pageParameter(query, 'PageSize', 50, 1, 1000);
        const page = pageParameter(query, 'Page', 0, 0, 1_000_000);
        const verifications =
          serviceSid !== null && serviceSid !== verify.sid
            ? []
            : verificationSid !== null
              ? [verify.find(verificationSid)].filter((v): v is Verification => v !== undefined)
              : verify.snapshot();
        const all = verifications.flatMap(attemptResources);
        const pageUrl = (n: number) => {
          const params = new URLSearchParams(query);
          params.set('PageSize', String(pageSize));
          params.set('Page', String(n));
          params.delete('PageToken');
          return `https://verify.twilio.com/v2/Attempts?${params.toString()}`;
        };
        return {
          status: 200,
          body: {
            attempts: all.slice(page * pageSize, (page + 1) * pageSize),
            meta: {
              key: 'attempts',
              page,
              page_size: pageSize,
              first_page_url: pageUrl(0),
              previous_page_url: page > 0 ? pageUrl(page - 1) : null,
              url: pageUrl(page),
              next_page_url: (page + 1) * pageSize < all.length ? pageUrl(page + 1) : null,
            },
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: '/v2/Services/:serviceSid/Verifications',
      access: 'twilio',
      operation: 'CreateVerification',
      handle(request) {
        requireService(request);
        const verification = verify.start(parseStart(formParams(request)));
        return { status: 201, body: resource(verification) };
      },
    },
    {
      method: 'GET',
      pattern: '/v2/Services/:serviceSid/Verifications/:sid',
      access: 'twilio',
      operation: 'FetchVerification',
      handle(request) {
        requireService(request);
        const verification = verify.fetch(request.params['sid'] ?? '');
        if (verification === undefined) throw resourceNotFound(request.path);
        return { status: 200, body: resource(verification) };
      },
    },
    {
      method: 'POST',
      pattern: '/v2/Services/:serviceSid/Verifications/:sid',
      access: 'twilio',
      operation: 'UpdateVerification',
      handle(request) {
        requireService(request);
        const status = required(formParams(request), 'Status');
        if (status !== 'canceled' && status !== 'approved') {
          throw invalidParameter('Status', `${status} is not one of canceled, approved`);
        }
        const verification = verify.update(request.params['sid'] ?? '', status);
        if (verification === undefined) throw resourceNotFound(request.path);
        return { status: 200, body: resource(verification) };
      },
    },
    {
      method: 'POST',
      pattern: '/v2/Services/:serviceSid/VerificationCheck',
      access: 'twilio',
      operation: 'CreateVerificationCheck',
      handle(request) {
        requireService(request);
        const verification = verify.check(parseCheck(formParams(request)));
        if (verification === undefined) throw resourceNotFound(request.path);
        return { status: 200, body: checkResource(verification) };
      },
    },
  ];
}

/** The form of `POST /Verifications`; every refusal names the parameter, as Twilio's 60200 does. */
function parseStart(form: URLSearchParams): StartVerification {
  const channel = parseChannel(form.get('Channel'));
  const to = required(form, 'To');
  if (channel === 'email' ? !EMAIL.test(to) : !isValidE164(to)) {
    throw invalidParameter(
      'To',
      channel === 'email' ? 'not an email address' : 'not a valid E.164 phone number',
    );
  }
  const locale = optional(form, 'Locale');
  if (locale !== null && !LOCALE.test(locale)) {
    throw invalidParameter('Locale', `${locale} is not a supported locale`);
  }
  const customFriendlyName = optional(form, 'CustomFriendlyName');
  if (customFriendlyName !== null && customFriendlyName.length > 64) {
    throw invalidParameter('CustomFriendlyName', 'longer than 64 characters');
  }
  // Programmable rate limits are accepted and checked for shape; the emulator does not enforce them.
  parseJsonObject(form, 'RateLimits', (value) => typeof value === 'string' || typeof value === 'number');
  const tags = parseJsonObject(
    form,
    'Tags',
    (value): value is string => typeof value === 'string' && value.length <= 128,
  );
  if (tags !== null && Object.keys(tags).length > MAX_TAGS) {
    throw invalidParameter('Tags', `more than ${MAX_TAGS} tags`);
  }
  return { to, channel, locale, customFriendlyName, tags };
}

/** The form of `POST /VerificationCheck`: a code, and the verification by SID or by destination. */
function parseCheck(form: URLSearchParams): CheckVerification {
  const code = required(form, 'Code');
  if (!CODE.test(code)) throw invalidParameter('Code', 'must be 4 to 10 letters or digits');
  const verificationSid = optional(form, 'VerificationSid');
  if (verificationSid !== null && !VERIFICATION_SID.test(verificationSid)) {
    throw invalidParameter('VerificationSid', `${verificationSid} is not a Verification SID`);
  }
  const to = optional(form, 'To');
  if (to !== null && !isValidE164(to) && !EMAIL.test(to)) {
    throw invalidParameter('To', 'not a valid E.164 phone number or email address');
  }
  if (to === null && verificationSid === null) {
    throw invalidParameter('To', 'either To or VerificationSid is required');
  }
  return { code, to, verificationSid };
}

function parseChannel(value: string | null): VerificationChannel {
  if (value === null || value === '') throw invalidParameter('Channel', 'required');
  const channel = VERIFICATION_CHANNELS.find((known) => known === value);
  if (channel !== undefined) return channel;
  if (value === 'sna' || value === 'auto')
    throw invalidParameter('Channel', `${value} is not available in the emulator`);
  throw invalidParameter('Channel', `${value} is not one of ${VERIFICATION_CHANNELS.join(', ')}`);
}

/** A paging parameter: an integer within bounds, or the default when absent. */
function pageParameter(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = optional(query, name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function required(form: URLSearchParams, name: string): string {
  const value = optional(form, name);
  if (value === null) throw invalidParameter(name, 'required');
  return value;
}

function optional(form: URLSearchParams, name: string): string | null {
  const value = form.get(name);
  return value === null || value === '' ? null : value;
}

/** RateLimits and Tags arrive as JSON strings holding a flat object. */
function parseJsonObject<T>(
  form: URLSearchParams,
  name: string,
  acceptsValue: (value: unknown) => value is T,
): Record<string, T> | null {
  const text = optional(form, name);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParameter(name, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParameter(name, 'must be a JSON object');
  }
  const entries = Object.entries(value);
  const accepted = entries.filter((entry): entry is [string, T] => acceptsValue(entry[1]));
  if (accepted.length !== entries.length) throw invalidParameter(name, 'has a value of the wrong type');
  return Object.fromEntries(accepted);
}
