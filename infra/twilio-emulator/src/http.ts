import type { IncomingMessage } from 'node:http';
import { TwilioApiError, TwilioErrorCode, invalidParameter } from './errors.js';
import type { Operation } from './faults.js';

export interface EmulatorRequest {
  method: string;
  path: string;
  /** Path parameters by the names in the route pattern, already percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: string;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Literal segments and `:name` parameters, e.g. `/v2/Services/:serviceSid/Verifications/:sid`. */
  pattern: string;
  /** `twilio` routes need Twilio credentials; `open` ones are the emulator's own control endpoints. */
  access: 'twilio' | 'open';
  /** Twilio's operationId, for the Twilio routes: what a fault (`POST /faults`) aims at. */
  operation?: Operation;
  handle(request: EmulatorRequest): EmulatorResponse;
}

export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of expected.entries()) {
    const value = actual[i] ?? '';
    if (segment.startsWith(':')) {
      if (value === '') return undefined;
      try {
        params[segment.slice(1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (segment !== value) {
      return undefined;
    }
  }
  return params;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new TwilioApiError(TwilioErrorCode.InvalidParameter, 413, 'Request body exceeds 1 MiB');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Twilio's REST API takes form-encoded bodies. */
export function formParams(request: EmulatorRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

/** The control endpoints take JSON; an empty body reads as `{}`. */
export function jsonBody(request: EmulatorRequest): unknown {
  if (request.body.trim() === '') return {};
  try {
    return JSON.parse(request.body);
  } catch {
    throw invalidParameter('body', 'not valid JSON');
  }
}

/** Matches `Authorization: Basic` against the one account the emulator serves. */
export function hasCredentials(header: string | undefined, username: string, password: string): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === username && decoded.slice(colon + 1) === password;
}
