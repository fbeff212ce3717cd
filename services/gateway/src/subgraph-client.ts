import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import {
  contextHeaders,
  encodeClaims,
  inSpan,
  signEncodedClaims,
  SpanKind,
  traceHeaders,
} from '@attestor/platform';
import type { GatewayContext } from './context.js';

/**
 * A fetcher over keep-alive sockets (`maxSockets` per subgraph) that signs each request just before it
 * leaves: the claims the data source attached, a timestamp and the hash of the exact body bytes.
 */
export function signingFetcher(secret: string, maxSockets: number, timeoutMs = 30_000): Fetcher {
  const agents = {
    http: new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' }),
    https: new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' }),
  };
  return (url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> =>
    inSpan('subgraph fetch', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } }, () =>
      send(url, init),
    );

  function send(url: string, init: FetcherRequestInit): Promise<FetcherResponse> {
    const body = init.body ?? '';
    const headers: Record<string, string> = { ...init.headers };
    const encodedClaims = headers[contextHeaders.claims];
    if (encodedClaims) Object.assign(headers, signEncodedClaims(secret, encodedClaims, body));
    // The W3C trace context of the gateway's fetch span, so the subgraph's span joins the trace.
    Object.assign(headers, traceHeaders());
    headers['content-length'] = String(Buffer.byteLength(body));
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: init.method ?? 'POST',
          headers,
          agent: secure ? agents.https : agents.http,
          timeout: timeoutMs,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === 'string') responseHeaders.set(name, value);
            }
            const body = Buffer.concat(chunks);
            const status = relayedStatus(incoming.statusCode ?? 502, body);
            resolve(
              new Response(status === 204 ? null : body, {
                status,
                statusText: incoming.statusMessage ?? '',
                headers: responseHeaders,
              }) as unknown as FetcherResponse,
            );
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`subgraph ${target.host} timed out`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

/**
 * A subgraph that refuses a request (HTTP 4xx: a variable its scalar refuses, a bad argument) answers
 * with GraphQL errors and their codes. Passed on as a 200, the gateway relays those errors as they are
 * (BAD_USER_INPUT with the subgraph's message) instead of turning the status into INTERNAL.
 */
export function relayedStatus(status: number, body: Buffer): number {
  if (status < 400 || status >= 500) return status;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0 ? 200 : status;
  } catch {
    return status;
  }
}

/** Attaches who is calling (as encoded claims) and the request id to every subgraph request. */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!context?.caller) return;
    request.http?.headers.set(
      contextHeaders.claims,
      encodeClaims({ caller: context.caller, requestId: context.requestId, ip: context.ip }),
    );
    request.http?.headers.set(contextHeaders.requestId, context.requestId);
  }
}
