import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { TwilioApiError, TwilioErrorCode, resourceNotFound } from './errors.js';
import { controlRoutes } from './handlers/control.js';
import { lookupRoutes } from './handlers/lookups.js';
import { verifyRoutes } from './handlers/verify.js';
import { hasCredentials, matchPath, readBody } from './http.js';
import type { EmulatorResponse, Route } from './http.js';
import type { Operation } from './faults.js';
import type { EmulatorState } from './state.js';

/** One line per request; the path has phone numbers masked and the query (names, numbers) left out. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** A Twilio request the emulator has received and is about to answer (while the client waits for it). */
export interface ReceivedRequest {
  method: string;
  /** Masked as in the log. */
  path: string;
  operation: Operation;
}

export interface EmulatorServerOptions {
  accountSid: string;
  authToken: string;
  /** An API key (SK…) the emulator accepts as well as the auth token, as Twilio does. */
  apiKey?: { sid: string; secret: string } | undefined;
  state: EmulatorState;
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * Awaited before each Twilio request is answered, while its caller is still waiting: a test looks
   * at the calling service in that moment (e.g. that it holds no database transaction open).
   */
  whileInFlight?: (request: ReceivedRequest) => Promise<void> | void;
}

export function createEmulatorServer(options: EmulatorServerOptions): Server {
  const { state, accountSid, authToken } = options;
  const routes: Route[] = [
    ...verifyRoutes(state, accountSid),
    ...lookupRoutes(state),
    ...controlRoutes(state),
  ];

  async function respond(request: IncomingMessage, path: string, url: URL): Promise<EmulatorResponse> {
    const method = request.method ?? 'GET';
    const candidates = routes.flatMap((route) => {
      const params = matchPath(route.pattern, path);
      return params === undefined ? [] : [{ route, params }];
    });
    if (candidates.length === 0) throw resourceNotFound(path);
    const match = candidates.find((candidate) => candidate.route.method === method);
    if (match === undefined) {
      throw new TwilioApiError(
        TwilioErrorCode.MethodNotAllowed,
        405,
        `Method ${method} not allowed on ${path}`,
      );
    }
    if (
      match.route.access === 'twilio' &&
      !hasCredentials(request.headers.authorization, accountSid, authToken) &&
      !(
        options.apiKey &&
        hasCredentials(request.headers.authorization, options.apiKey.sid, options.apiKey.secret)
      )
    ) {
      throw new TwilioApiError(TwilioErrorCode.AuthenticationFailed, 401, 'Authenticate');
    }
    const body = await readBody(request);
    const operation = match.route.operation;
    if (operation !== undefined) {
      await options.whileInFlight?.({ method, path: maskPhoneNumbers(path), operation });
      const fault = state.faults.take(operation);
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.status !== undefined) {
        const code = fault.code ?? (fault.status >= 500 ? TwilioErrorCode.InternalServerError : 0);
        throw new TwilioApiError(
          code,
          fault.status,
          fault.message ?? `Injected fault (HTTP ${fault.status})`,
        );
      }
    }
    return match.route.handle({ method, path, params: match.params, query: url.searchParams, body });
  }

  return createServer((request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://emulator');
    const path = url.pathname;
    respond(request, path, url)
      .catch((error: unknown) => {
        if (error instanceof TwilioApiError) return { status: error.httpStatus, body: error.toBody() };
        console.error('twilio-emulator: unexpected failure', error);
        const internal = new TwilioApiError(
          TwilioErrorCode.InternalServerError,
          500,
          'Internal Server Error',
        );
        return { status: 500, body: internal.toBody() };
      })
      .then((result) => {
        send(response, result);
        options.onRequest?.({
          method: request.method ?? 'GET',
          path: maskPhoneNumbers(path),
          status: result.status,
          ms: Math.round((performance.now() - started) * 100) / 100,
        });
      });
  });
}

function send(response: ServerResponse, result: EmulatorResponse): void {
  if (result.status === 401) response.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
  if (result.body === undefined) {
    response.writeHead(result.status).end();
    return;
  }
  const json = JSON.stringify(result.body);
  response
    .writeHead(result.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
    })
    .end(json);
}

/** Keeps the last two digits of anything that looks like a phone number; SIDs stay readable. */
export function maskPhoneNumbers(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      /^[A-Z]{2}[0-9a-f]{32}$/i.test(segment) ? segment : segment.replace(/\d{3,}(\d{2})/g, '***$1'),
    )
    .join('/');
}
