import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ServiceMetrics } from '../metrics.js';
import { sendJson } from './io.js';
import { startHttpServer, type RunningHttpServer } from './server.js';

/** `GET /metrics`: the Prometheus text exposition. */
export async function sendMetrics(res: ServerResponse, metrics: ServiceMetrics): Promise<void> {
  const text = await metrics.text();
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface MetricsEndpoint {
  /** Answers `/metrics` on the service's own port: true when it did (no METRICS_PORT), else a 404. */
  answer(path: string, res: ServerResponse): Promise<boolean>;
  /** The separate port, when METRICS_PORT is set. */
  port?: number;
  close(): Promise<void>;
}

/**
 * Where `/metrics` is served. Without METRICS_PORT, on the service's own port (a subgraph's port is
 * internal). With it, only on that port — a listener that answers nothing else — and the own port
 * answers `/metrics` with a 404: the gateway's own port faces the internet, its metrics must not.
 */
export async function startMetricsEndpoint(options: {
  host: string;
  port: number | undefined;
  metrics: ServiceMetrics;
  logger: Logger;
}): Promise<MetricsEndpoint> {
  const { metrics } = options;
  if (options.port === undefined) {
    return {
      answer: async (path, res) => {
        if (path !== '/metrics') return false;
        await sendMetrics(res, metrics);
        return true;
      },
      close: async () => undefined,
    };
  }
  const server: RunningHttpServer = await startHttpServer({
    host: options.host,
    port: options.port,
    logger: options.logger,
    handle: async (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') return sendJson(res, 404, { error: 'not found' });
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'GET only' }, { allow: 'GET' });
      return sendMetrics(res, metrics);
    },
  });
  return {
    answer: async (path, res) => {
      if (path !== '/metrics') return false;
      sendJson(res, 404, { error: 'not found' });
      return true;
    },
    port: server.port,
    close: () => server.close(1000),
  };
}
