import type { ApiError } from '../api/errors.js';
import type { MessageKey, Vars } from '../i18n/messages.js';

/** The hosted flow's own words for an API error (the API's messages are for developers). */
export function errorMessage(error: ApiError): { key: MessageKey; vars?: Vars } {
  switch (error.code) {
    case 'PROVIDER_ERROR':
      return { key: 'error.provider' };
    case 'RATE_LIMITED':
      return { key: 'error.rateLimited', vars: { seconds: error.retryAfterSeconds ?? 60 } };
    case 'NETWORK':
      return { key: 'error.network' };
    case 'INTERNAL':
      // A blip on our side (a database or a service that did not answer): the same step works again soon.
      return { key: error.reason === 'TEMPORARILY_UNAVAILABLE' ? 'error.unavailable' : 'error.unknown' };
    default:
      return { key: 'error.unknown' };
  }
}

/** The session is over (expired token, inquiry gone): only a new link helps. */
export function endsSession(error: ApiError): boolean {
  return error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN';
}
