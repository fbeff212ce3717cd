import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { ErrorCode } from '../errors.js';

/** An HTTP-level refusal (body too large, wrong method) answered before GraphQL runs. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The GraphQL error code of the answer; by default the one the status implies. */
    readonly code?: ErrorCode,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** The raw request body (signatures are computed over these exact bytes); refuses more than `limit`. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A GraphQL-shaped error body for refusals that happen before execution. */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra } }] });
}

/** Runs one HTTP request through Apollo Server and writes its answer (complete or incremental). */
export async function executeGraphQL<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: Buffer,
  context: () => Promise<TContext>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown = undefined;
  if (rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      sendGraphQLError(res, 400, 'BAD_USER_INPUT', 'Request body is not valid JSON');
      return;
    }
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context,
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.statusCode = statusOfAnswer(res.statusCode, response.body.string);
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Apollo answers 500 for a refusal a plugin throws while parsing (GraphQL Armor's token limit): when
 * every error of such an answer carries a caller's code, the status says so (400, or 429).
 */
export function statusOfAnswer(status: number, body: string): number {
  if (status < 500) return status;
  try {
    const codes = (
      (JSON.parse(body) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []
    ).map((error) => error.extensions?.code);
    if (codes.length === 0 || codes.some((code) => code === 'INTERNAL' || typeof code !== 'string'))
      return status;
    return codes.includes('RATE_LIMITED') ? 429 : 400;
  } catch {
    return status;
  }
}

/**
 * Counts requests in progress so shutdown can wait for them after the listener closes (the HTTP half
 * of a graceful stop: no new requests, the running ones finish).
 */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  track<T>(work: Promise<T>): Promise<T> {
    this.count += 1;
    return work.finally(() => {
      this.count -= 1;
      if (this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
  }

  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
