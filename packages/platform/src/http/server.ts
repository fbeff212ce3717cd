import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCode, type ErrorCode as ErrorCodeType } from '../errors.js';
import { HttpError, InFlight, sendGraphQLError } from './io.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Answers one request; an HttpError it throws becomes the matching GraphQL-shaped refusal. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  /** Stops listening, lets in-flight requests finish for up to `timeoutMs`, then closes every socket. */
  close(timeoutMs: number): Promise<void>;
}

/** Above Node's and most proxies' idle timeouts, so the server is not the side that closes a reused socket first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** The error code a refusal answered before GraphQL ran carries, by HTTP status. */
export function codeOfStatus(status: number): ErrorCodeType {
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status >= 400 && status < 500) return ErrorCode.BAD_USER_INPUT;
  return ErrorCode.INTERNAL;
}

/**
 * The HTTP skeleton every service and the gateway run: one place that maps HttpError to an answer,
 * hides unexpected errors behind INTERNAL, counts requests in flight for a graceful stop, and closes
 * a connection whose request body was refused unread (a 413), so the client's next request on that
 * socket does not wait behind the rest of the refused body.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  const inFlight = new InFlight();
  const server = createServer((req, res) => {
    void inFlight.track(
      options.handle(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (error instanceof HttpError) {
          const unreadBody = !req.complete;
          if (unreadBody) res.setHeader('connection', 'close');
          sendGraphQLError(res, error.status, error.code ?? codeOfStatus(error.status), error.message);
          if (unreadBody) res.once('finish', () => req.socket.destroySoon());
          return;
        }
        logger.error({ err: error }, 'request failed');
        sendGraphQLError(res, 500, ErrorCode.INTERNAL, 'Internal error');
      }),
    );
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close: (timeoutMs) => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await inFlight.idle(timeoutMs);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
