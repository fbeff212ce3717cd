import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web app (`web/`, built into `web/dist`) at every path of the gateway that is not the API: its
 * files with their content types, `index.html` for the client's own routes, long caching for the
 * content-hashed assets Vite writes under `/assets/`, and the same security headers on every answer.
 */

/** Where `npm run build -w web` writes the app, beside this repository's sources. */
export const defaultWebRoot = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Paths the client routes itself: the hosted flow, the dashboard and the landing page. */
const clientRoutes = [/^\/$/, /^\/verify\/[^/]+\/?$/, /^\/dashboard(\/.*)?$/];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** A host header we are willing to repeat inside the CSP: a name or an address, and a port. */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The headers of every page and file. The policy allows this origin's scripts, styles and images only
 * (no inline script, no eval: Vite's build has neither), GraphQL over HTTP and graphql-ws to this origin
 * (`ws:`/`wss:` named explicitly, for browsers where `'self'` does not cover them), Web Workers from this
 * origin's files, and no framing.
 */
export function securityHeaders(host: string | undefined): Record<string, string> {
  const sockets = host !== undefined && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      // The hosted flow's proof-of-work solver: a module worker from /assets, never a blob: or data: URL.
      "worker-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "font-src 'self'",
      `connect-src 'self'${sockets}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** What a path of the web app answers, decided from the path alone. */
export type WebRoute =
  { kind: 'file'; file: string; cacheControl: string } | { kind: 'app' } | { kind: 'not-found' };

/**
 * `/assets/x.js` is a file (hashed: cached for a year), `/dashboard/…` and `/verify/<id>` the app's
 * index.html, anything that leaves the root, names a dotfile or is not valid UTF-8 nothing.
 */
export function routeOf(rawPath: string): WebRoute {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'not-found' };
  }
  if (path.includes('\0') || path.includes('\\')) return { kind: 'not-found' };
  if (clientRoutes.some((route) => route.test(path))) return { kind: 'app' };
  const file = normalize(path).replace(/^[/\\]+/, '');
  if (file === '' || file.startsWith('..') || file.split(sep).some((part) => part.startsWith('.'))) {
    return { kind: 'not-found' };
  }
  if (file === 'index.html') return { kind: 'app' };
  return { kind: 'file', file, cacheControl: file.startsWith(`assets${sep}`) ? IMMUTABLE : REVALIDATE };
}

export function contentTypeOf(file: string): string {
  return contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

async function fileStats(path: string): Promise<Stats | null> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : null;
  } catch {
    return null;
  }
}

const etagOf = (stats: Stats) => `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;

/** Answers the gateway's non-API requests from the built app in `root`. */
export function webApp(root: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const send = (req: IncomingMessage, res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, {
      ...securityHeaders(req.headers.host),
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': REVALIDATE,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const sendFile = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    stats: Stats,
    cacheControl: string,
  ) => {
    const etag = etagOf(stats);
    const headers = { ...securityHeaders(req.headers.host), 'cache-control': cacheControl, etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': contentTypeOf(path), 'content-length': stats.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(path)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(req, res, 405, 'Method not allowed');
    }
    const route = routeOf((req.url ?? '/').split('?')[0] ?? '/');
    if (route.kind === 'file') {
      const path = join(root, route.file);
      const stats = await fileStats(path);
      if (stats) return sendFile(req, res, path, stats, route.cacheControl);
      return send(req, res, 404, 'Not found');
    }
    if (route.kind === 'not-found') return send(req, res, 404, 'Not found');
    const index = join(root, 'index.html');
    const stats = await fileStats(index);
    if (!stats) {
      return send(
        req,
        res,
        503,
        'The web app is not built: run `npm run build -w web` (npm start builds it).',
      );
    }
    return sendFile(req, res, index, stats, REVALIDATE);
  };
}
