import { pino, type Logger } from 'pino';
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

export interface LoggerOptions {
  service: string;
  level: string;
  format: 'auto' | 'json' | 'pretty';
}

/** JSON lines for machines; pino-pretty when a person watches a terminal. */
export function createLogger({ service, level, format }: LoggerOptions): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pino({
    level,
    base: { service },
    // Every line written while a request or event is in hand names its request id.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
