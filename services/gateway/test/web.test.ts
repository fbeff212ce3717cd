import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf, IMMUTABLE, REVALIDATE, routeOf, securityHeaders, webApp } from '../src/web.js';

describe('routeOf', () => {
  it('sends the client routes to the app', () => {
    for (const path of [
      '/',
      '/verify/0193a1b2-0000-7000-8000-000000000000',
      '/dashboard',
      '/dashboard/fraud',
    ]) {
      expect(routeOf(path), path).toEqual({ kind: 'app' });
    }
    expect(routeOf('/index.html')).toEqual({ kind: 'app' });
  });

  it('serves hashed assets for a year and other files revalidated', () => {
    expect(routeOf('/assets/index-Bx1.js')).toEqual({
      kind: 'file',
      file: 'assets/index-Bx1.js',
      cacheControl: IMMUTABLE,
    });
    expect(routeOf('/favicon.svg')).toEqual({ kind: 'file', file: 'favicon.svg', cacheControl: REVALIDATE });
  });

  it('keeps every path inside the root, however many dots it climbs', () => {
    for (const path of ['/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/a/../../package.json']) {
      expect(routeOf(path), path).toEqual({ kind: 'file', file: 'package.json', cacheControl: REVALIDATE });
    }
  });

  it('refuses dotfiles, NUL bytes, backslashes and broken escapes', () => {
    for (const path of ['/.attestor-build.json', '/assets/.x', '/a%00b', '/a%5C..%5Cb', '/%E0%A4%A']) {
      expect(routeOf(path), path).toEqual({ kind: 'not-found' });
    }
  });

  it('names the content types a browser needs', () => {
    expect(contentTypeOf('assets/a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('assets/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('blob.bin')).toBe('application/octet-stream');
  });
});

describe('securityHeaders', () => {
  it('allows this origin only, sockets included, and no framing', () => {
    const headers = securityHeaders('127.0.0.1:4000');
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4000 wss://127.0.0.1:4000");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });

  it('repeats no host header that is not a plain host', () => {
    const csp = securityHeaders("evil.example; script-src 'unsafe-inline'")['content-security-policy'];
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toContain('evil');
  });
});

describe('webApp', () => {
  let root: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'attestor-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Attestor</title>');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(root, '.attestor-build.json'), '{}');
    const handle = webApp(root);
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  it('answers a client route with index.html, never cached without revalidation', async () => {
    const response = await fetch(`${base}/verify/0193a1b2-0000-7000-8000-000000000000`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('<title>Attestor</title>');
  });

  it('answers a hashed asset with its type and a year of caching, and 304 when unchanged', async () => {
    const response = await fetch(`${base}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = response.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await fetch(`${base}/assets/index-abc123.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 with the security headers for a missing file or a dotfile, and 405 for a POST', async () => {
    for (const path of ['/assets/missing.js', '/.attestor-build.json', '/nowhere']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const post = await fetch(`${base}/dashboard`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says how to build the app when it is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'attestor-web-empty-'));
    const handle = webApp(empty);
    const bare = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/dashboard`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build -w web');
    } finally {
      await new Promise((resolve) => bare.close(resolve));
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
