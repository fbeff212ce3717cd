import type { CombinedError } from 'urql';

/** The API's error codes (`extensions.code`), and NETWORK when no answer came back at all. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'PROVIDER_ERROR'
  | 'INTERNAL'
  | 'NETWORK';

export interface ApiError {
  code: ApiErrorCode;
  /** The API's message: safe to show an operator; the hosted flow shows its own words instead. */
  message: string;
  /** The input it refers to, for BAD_USER_INPUT (`extensions.field`). */
  field?: string;
  retryAfterSeconds?: number;
  /** Why, as a name (`extensions.reason`): TEMPORARILY_UNAVAILABLE, QUERY_TOO_COMPLEX… */
  reason?: string;
}

const codes: readonly ApiErrorCode[] = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'CONFLICT',
  'PROVIDER_ERROR',
  'INTERNAL',
];

/** The first error of a failed operation, by code. */
export function apiErrorOf(error: CombinedError): ApiError {
  const [first] = error.graphQLErrors;
  if (!first) return { code: 'NETWORK', message: error.networkError?.message ?? error.message };
  const extensions = first.extensions as {
    code?: unknown;
    field?: unknown;
    retryAfterSeconds?: unknown;
    reason?: unknown;
  };
  const code = codes.find((known) => known === extensions.code) ?? 'INTERNAL';
  return {
    code,
    message: first.message,
    ...(typeof extensions.field === 'string' && { field: extensions.field }),
    ...(typeof extensions.retryAfterSeconds === 'number' && {
      retryAfterSeconds: extensions.retryAfterSeconds,
    }),
    ...(typeof extensions.reason === 'string' && { reason: extensions.reason }),
  };
}
