import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { getOperationAST, GraphQLError } from 'graphql';
import {
  AppError,
  contextHeaders,
  encodeClaims,
  ErrorCode,
  inSpan,
  signEncodedClaims,
  SpanKind,
  TEMPORARILY_UNAVAILABLE,
  traceHeaders,
} from '@attestor/platform';
import type { GatewayContext } from './context.js';
import { isQueryFetch, SharedFetches, sharingIdentity, type SubgraphAnswer } from './shared-fetches.js';

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface SubgraphTransportOptions {
  secret: string;
  /** Keep-alive sockets per subgraph. */
  maxSockets: number;
  timeoutMs?: number;
  /** An idle kept-alive socket is closed after this long (default 30 s, below the subgraphs' 65 s). */
  idleSocketMs?: number;
  /** In-flight deduplication of identical queries of one caller (GATEWAY_DEDUP). */
  share: boolean;
  /** Told of every fetch: whether it joined one in flight instead of sending its own. */
  observe?: (url: string, shared: boolean) => void;
}

/** One subgraph request as the data source hands it over: the body bytes are final, the claims unsigned. */
export interface SubgraphRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** The caller's identity when others may share this request (a query); undefined: never shared. */
  sharing: string | undefined;
  /** A query: safe to send again when a kept-alive socket died under it (a mutation never is). */
  query?: boolean;
}

export type SubgraphTransport = (request: SubgraphRequest) => Promise<SubgraphAnswer>;

/**
 * Sends subgraph requests over keep-alive sockets (`maxSockets` per subgraph), signing each just before
 * it leaves: the claims the data source attached, a timestamp and the hash of the exact body bytes. A
 * shareable request joins an identical one in flight (SharedFetches): the key is the URL, the caller's
 * identity and the body — never the signature, which differs on every request.
 */
export function subgraphTransport(options: SubgraphTransportOptions): SubgraphTransport {
  const { secret, maxSockets, timeoutMs = 30_000, idleSocketMs = 30_000 } = options;
  // An idle socket is closed here before the subgraph's keep-alive timeout closes it there, so a
  // request is not written to a socket the subgraph is closing (which no retry makes safe for a mutation).
  const pool = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
  const agents = {
    http: new Agent({ ...pool, timeout: idleSocketMs }),
    https: new HttpsAgent({ ...pool, timeout: idleSocketMs }),
  };
  const fetches = new SharedFetches();
  return (request) => {
    const transmit = () =>
      inSpan('subgraph fetch', { kind: SpanKind.CLIENT, attributes: { 'url.full': request.url.href } }, () =>
        send(request),
      );
    if (!options.share || request.sharing === undefined) {
      options.observe?.(request.url.href, false);
      return transmit();
    }
    const { answer, shared } = fetches.run(
      `${request.url.href}\n${request.sharing}\n${request.body}`,
      transmit,
    );
    options.observe?.(request.url.href, shared);
    return answer;
  };

  /**
   * A query on a kept-alive socket that died before any answer (the subgraph closed it as the request
   * went out) goes once more on a fresh socket, as Node's documentation advises for `reusedSocket`.
   * A mutation does not: the subgraph may have run it before the socket died.
   */
  async function send(request: SubgraphRequest): Promise<SubgraphAnswer> {
    try {
      return await sendOnce(request);
    } catch (error) {
      if (!(error instanceof StaleSocketError) || request.query !== true) throw error;
      return sendOnce(request);
    }
  }

  function sendOnce({ url, headers: given, body }: SubgraphRequest): Promise<SubgraphAnswer> {
    const headers = { ...given };
    const encodedClaims = headers[contextHeaders.claims];
    if (encodedClaims) Object.assign(headers, signEncodedClaims(secret, encodedClaims, body));
    // The W3C trace context of the gateway's fetch span, so the subgraph's span joins the trace.
    Object.assign(headers, traceHeaders());
    headers['content-length'] = String(Buffer.byteLength(body));
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers, agent: secure ? agents.https : agents.http, timeout: timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const responseHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === 'string') responseHeaders[name] = value;
            }
            const answerBody = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            resolve({
              status: relayedStatus(incoming.statusCode ?? 502, answerBody),
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders,
              body: answerBody,
            });
          });
        },
      );
      let answered = false;
      outgoing.on('response', () => (answered = true));
      outgoing.on('timeout', () => outgoing.destroy(new Error(`subgraph ${url.host} timed out`)));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const stale = outgoing.reusedSocket && !answered && STALE_SOCKET_CODES.has(error.code ?? '');
        reject(stale ? new StaleSocketError(error) : error);
      });
      outgoing.end(body);
    });
  }
}

/** How a kept-alive socket closed by the other side fails a request written to it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(`kept-alive socket closed by the subgraph: ${cause.message}`, { cause });
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
 * One subgraph as the query planner's executor sees it: the request serialized once, who is calling
 * (as encoded claims) and the request id attached, a query marked shareable by the caller's identity,
 * and the answer parsed from its bytes (each request sharing an answer parses its own copy, so what one
 * merges into its result never reaches another's). What `RemoteGraphQLDataSource` does for us, without
 * its node-fetch Request and Headers per fetch; its error for an HTTP failure is kept as it was.
 */
export class SignedDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;

  constructor(
    url: string,
    private readonly transport: SubgraphTransport,
    /** The subgraph's name, for the error a client sees when it does not answer. */
    private readonly name: string,
  ) {
    this.url = new URL(url);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const context = 'context' in options ? options.context : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let sharing: string | undefined;
    const document = 'document' in options ? options.document : undefined;
    const query = isQueryFetch(document ? getOperationAST(document)?.operation : undefined, request.query);
    if (context?.caller) {
      headers[contextHeaders.claims] = encodeClaims({
        caller: context.caller,
        requestId: context.requestId,
        ip: context.ip,
      });
      headers[contextHeaders.requestId] = context.requestId;
      if (query) sharing = sharingIdentity(context.caller, context.ip);
    }
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    let answer: SubgraphAnswer;
    try {
      answer = await this.transport({ url: this.url, headers, body, sharing, query });
    } catch (error) {
      // Refused, reset or timed out: the rest of the answer stands, and the client learns which part is
      // missing and why (the cause itself is logged by the error formatter, not shown); the same
      // request may work in a moment (a restarted service), as the reason says.
      throw new AppError(
        ErrorCode.INTERNAL,
        `The ${this.name} service did not answer; the fields it serves are null in this answer`,
        { reason: TEMPORARILY_UNAVAILABLE },
        error,
      );
    }
    if (answer.status >= 500) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `The ${this.name} service failed (HTTP ${answer.status}); the fields it serves are null in this answer`,
      );
    }
    if (answer.status < 200 || answer.status >= 300) throw errorFromAnswer(this.url, answer);
    const parsed: unknown = parseAnswer(answer);
    if (typeof parsed !== 'object' || parsed === null) {
      throw new Error(`Expected JSON response body, but received: ${String(parsed)}`);
    }
    return parsed as SubgraphResponse;
  }
}

function parseAnswer(answer: SubgraphAnswer): unknown {
  const text = answer.body.toString('utf8');
  const type = answer.headers['content-type'] ?? '';
  if (type.startsWith('application/json') || type.startsWith('application/graphql-response+json')) {
    return JSON.parse(text);
  }
  return text;
}

/** RemoteGraphQLDataSource's error for a subgraph's HTTP failure: `<status>: <text>`, the answer kept. */
function errorFromAnswer(url: URL, answer: SubgraphAnswer): GraphQLError {
  let body: unknown;
  try {
    body = parseAnswer(answer);
  } catch {
    body = answer.body.toString('utf8');
  }
  const code = answer.status === 401 ? 'UNAUTHENTICATED' : answer.status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`${answer.status}: ${answer.statusText}`, {
    extensions: {
      response: { url: url.href, status: answer.status, statusText: answer.statusText, body },
      ...(code ? { code } : {}),
    },
  });
}
