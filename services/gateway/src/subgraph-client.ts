import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { getOperationAST } from 'graphql';
import {
  contextHeaders,
  encodeClaims,
  inSpan,
  signEncodedClaims,
  SpanKind,
  traceHeaders,
} from '@attestor/platform';
import type { GatewayContext } from './context.js';
import { isQueryFetch, SharedFetches, sharingIdentity, type SubgraphAnswer } from './shared-fetches.js';

/** Set by the data source on a request others may share; read and removed here, never sent. */
export const sharingHeader = 'x-attestor-sharing';

export interface SigningFetcherOptions {
  secret: string;
  /** Keep-alive sockets per subgraph. */
  maxSockets: number;
  timeoutMs?: number;
  /** In-flight deduplication of identical queries of one caller (GATEWAY_DEDUP). */
  share: boolean;
  /** Told of every fetch: whether it joined one in flight instead of sending its own. */
  observe?: (url: string, shared: boolean) => void;
}

/**
 * A fetcher over keep-alive sockets (`maxSockets` per subgraph) that signs each request just before it
 * leaves: the claims the data source attached, a timestamp and the hash of the exact body bytes. A
 * request marked shareable (sharingHeader) joins an identical one in flight (SharedFetches): the key is
 * the URL, the caller's identity and the body, never the signature, which differs on every request.
 */
export function signingFetcher(options: SigningFetcherOptions): Fetcher {
  const { secret, maxSockets, timeoutMs = 30_000 } = options;
  const agents = {
    http: new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' }),
    https: new HttpsAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' }),
  };
  const fetches = new SharedFetches();
  return async (url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> => {
    const body = init.body ?? '';
    const headers: Record<string, string> = { ...init.headers };
    const sharing = headers[sharingHeader];
    delete headers[sharingHeader];
    const method = init.method ?? 'POST';
    const transmit = () =>
      inSpan('subgraph fetch', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } }, () =>
        send(url, method, headers, body),
      );
    if (!options.share || sharing === undefined) {
      options.observe?.(url, false);
      return new BufferedResponse(url, await transmit());
    }
    const { answer, shared } = fetches.run(`${method} ${url}\n${sharing}\n${String(body)}`, transmit);
    options.observe?.(url, shared);
    return new BufferedResponse(url, await answer);
  };

  function send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | Buffer,
  ): Promise<SubgraphAnswer> {
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
        { method, headers, agent: secure ? agents.https : agents.http, timeout: timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const responseHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === 'string') responseHeaders[name] = value;
            }
            const answerBody = Buffer.concat(chunks);
            resolve({
              status: relayedStatus(incoming.statusCode ?? 502, answerBody),
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders,
              body: answerBody,
            });
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
 * A subgraph's answer as the data source reads it, straight from the bytes (a WHATWG Response would
 * stream them through again): each reader of a shared answer gets its own, and parses its own copy.
 */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly bodyUsed = false;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: FetcherHeaders;

  constructor(
    readonly url: string,
    private readonly answer: SubgraphAnswer,
  ) {
    this.status = answer.status;
    this.statusText = answer.statusText;
    this.ok = answer.status >= 200 && answer.status < 300;
    this.headers = new Headers(answer.headers);
  }

  async text(): Promise<string> {
    return this.answer.body.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.answer.body.toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const { body } = this.answer;
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.answer);
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

/**
 * Attaches who is calling (as encoded claims) and the request id to every subgraph request, and marks
 * a query as shareable by the caller's identity (signingFetcher joins identical ones in flight).
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { request, context } = options;
    if (!context?.caller) return;
    const headers = request.http?.headers;
    headers?.set(
      contextHeaders.claims,
      encodeClaims({ caller: context.caller, requestId: context.requestId, ip: context.ip }),
    );
    headers?.set(contextHeaders.requestId, context.requestId);
    const document = 'document' in options ? options.document : undefined;
    const operationKind = document ? getOperationAST(document)?.operation : undefined;
    if (isQueryFetch(operationKind, request.query ?? '')) {
      headers?.set(sharingHeader, sharingIdentity(context.caller, context.ip));
    }
  }
}
