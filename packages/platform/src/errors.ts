import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from './connection-loss.js';

/** The only codes a client ever sees in `extensions.code` (contract.graphql `ErrorCode`). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  CONFLICT: 'CONFLICT',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes = new Set<string>(Object.values(ErrorCode));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codes.has(value);
}

/** The reason of an INTERNAL error the same request may get past a little later (an outage, not a bug). */
export const TEMPORARILY_UNAVAILABLE = 'TEMPORARILY_UNAVAILABLE';

/** Extensions a client may see besides the code; anything else is dropped by formatError. */
export interface ErrorDetails {
  /** The input field at fault, for BAD_USER_INPUT. */
  field?: string;
  /** Seconds to wait, for RATE_LIMITED. */
  retryAfterSeconds?: number;
  /** Why a request was refused, as a name (QUERY_TOO_COMPLEX, ONE_COSTLY_MUTATION_PER_REQUEST…). */
  reason?: string;
}

/** An error whose message is safe to show the caller. Everything else reaches clients as INTERNAL. */
export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
    /** What went wrong underneath, for the log only (an INTERNAL AppError is logged with it). */
    override readonly cause?: unknown,
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = 'AppError';
  }
}

export const notFound = (what: string): AppError => new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, field?: string): AppError =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? {} : { field });
export const forbidden = (message = 'Not allowed for these credentials'): AppError =>
  new AppError(ErrorCode.FORBIDDEN, message);
export const unauthenticated = (message = 'Credentials are missing or invalid'): AppError =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);
export const conflict = (message: string): AppError => new AppError(ErrorCode.CONFLICT, message);

/** Apollo's own codes for a request that never reached a resolver: the caller's query is at fault. */
const requestErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const allowedExtensions = ['field', 'retryAfterSeconds', 'reason'] as const;

function publicExtensions(code: ErrorCode, extensions: Record<string, unknown> | undefined) {
  const out: Record<string, unknown> = { code };
  for (const key of allowedExtensions) {
    if (extensions?.[key] !== undefined) out[key] = extensions[key];
  }
  return out;
}

/**
 * The error that started it all. Stops at anything that is not an Error: `@apollo/gateway` puts the
 * subgraph's JSON error object there, and the GraphQLError wrapping it is what carries its code.
 */
function originalOf(error: unknown): unknown {
  let current = error;
  while (
    current instanceof GraphQLError &&
    current.originalError instanceof Error &&
    current.originalError !== current
  ) {
    current = current.originalError;
  }
  return current;
}

/**
 * An error Apollo raised itself about the request, without a code but with a 4xx status: "provided
 * sha does not match query" (a persisted-query hash that is not the query's) is one.
 */
function isUncodedRequestError(error: unknown): boolean {
  // Apollo's formatted copy says INTERNAL_SERVER_ERROR for a missing code; the error itself has none.
  if (!(error instanceof GraphQLError) || error.originalError || error.extensions['code'] !== undefined)
    return false;
  const status = (error.extensions['http'] as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Apollo `formatError`: keeps the message and code of an AppError or of a request error, and turns
 * anything else into INTERNAL with a generic message, logging the original. Stack traces, SQL and
 * driver messages therefore never leave the process.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    const original = originalOf(error);
    const base = {
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
    };
    // A GraphQLError with one of our codes is ours: thrown here, or relayed from a subgraph by the gateway.
    if (original instanceof GraphQLError && isErrorCode(code)) {
      if (code === ErrorCode.INTERNAL && original instanceof AppError) {
        logger.error({ err: original.cause ?? original, path: formatted.path }, formatted.message);
      }
      return {
        message: formatted.message,
        ...base,
        extensions: publicExtensions(code, formatted.extensions),
      };
    }
    if ((typeof code === 'string' && requestErrorCodes.has(code)) || isUncodedRequestError(error)) {
      return {
        message: formatted.message,
        ...base,
        extensions: publicExtensions(ErrorCode.BAD_USER_INPUT, formatted.extensions),
      };
    }
    if (isDatabaseUnavailable(original)) {
      // Still our fault, but one the caller can act on: the same request, a little later.
      logger.error({ err: original, path: formatted.path }, 'database unavailable in a GraphQL request');
      return {
        message: 'Temporarily unavailable: the service could not reach its database; try again shortly',
        ...base,
        extensions: { code: ErrorCode.INTERNAL, reason: TEMPORARILY_UNAVAILABLE },
      };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL request');
    return { message: 'Internal error', ...base, extensions: { code: ErrorCode.INTERNAL } };
  };
}
