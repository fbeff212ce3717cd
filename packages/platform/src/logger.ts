import { pino, stdSerializers, type Logger } from 'pino';
import { currentRequestId } from './request-scope.js';

export type { Logger } from 'pino';

/** Keys whose values are PII or secrets: pino replaces them wherever they appear in a log object. */
const redactedPaths = [
  'phoneNumber',
  '*.phoneNumber',
  'to',
  '*.to',
  'code',
  '*.code',
  'fields',
  '*.fields',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'sessionToken',
  '*.sessionToken',
];

/** A logged string longer than this is cut: a hostile input must not become a megabyte log line. */
export const MAX_LOGGED_STRING = 1000;
const MAX_LOGGED_DEPTH = 6;

/** Long strings cut to MAX_LOGGED_STRING, deep objects cut at MAX_LOGGED_DEPTH, arrays to 20 items. */
export function boundedForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_LOGGED_STRING
      ? `${value.slice(0, MAX_LOGGED_STRING)}… [${value.length - MAX_LOGGED_STRING} more characters]`
      : value;
  }
  // Errors are left to the `err` serializer below (their message and stack are not enumerable).
  if (typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (depth >= MAX_LOGGED_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((item) => boundedForLog(item, depth + 1));
    return value.length > 20 ? [...items, `[${value.length - 20} more]`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = boundedForLog(item, depth + 1);
  return out;
}

/**
 * Errors as logged: the standard serializer without what a database driver attaches (the SQL text,
 * its parameters — which can hold PII, sealed or not — and the driver's own copy), bounded in size.
 */
function errorForLog(error: unknown): unknown {
  if (!(error instanceof Error)) return boundedForLog(error);
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  const { query: _query, parameters: _parameters, driverError: _driverError, ...rest } = serialized;
  return boundedForLog(rest);
}

export interface LoggerOptions {
  service: string;
  level: string;
  format: 'auto' | 'json' | 'pretty';
  /** Where JSON lines go (default stdout); tests read them. */
  destination?: { write(line: string): void };
}

/** JSON lines for machines; pino-pretty when a person watches a terminal. */
export function createLogger({ service, level, format, destination }: LoggerOptions): Logger {
  const pretty =
    destination === undefined &&
    (format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true));
  const options = {
    level,
    base: { service },
    // Every line written while a request or event is in hand names its request id.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: errorForLog },
    formatters: {
      log: (object: Record<string, unknown>) => boundedForLog(object) as Record<string, unknown>,
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
