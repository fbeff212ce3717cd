import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphTransport } from '../src/subgraph-client.js';

/**
 * The transport's keep-alive sockets against a real HTTP server that closes a socket as a request
 * arrives on it — what a subgraph does when its idle timeout ends just as the gateway reuses the
 * socket — and that answers every other request.
 */
let server: Server;
let url: URL;
/** Requests seen per socket, and which request on a socket the server drops (0: none). */
const seen = new Map<Socket, number>();
let dropNth = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    req.resume();
    req.on('end', () => {
      if (n === dropNth) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { n } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const transport = (idleSocketMs?: number) =>
  subgraphTransport({ secret: 'test-secret', maxSockets: 1, share: false, idleSocketMs });
const ask = (send: ReturnType<typeof transport>, query = true) =>
  send({ url, headers: {}, body: '{"query":"{ n }"}', sharing: undefined, query });
const answerOf = (answer: { body: Buffer }) => JSON.parse(answer.body.toString('utf8')) as unknown;

describe('subgraph transport over kept-alive sockets', () => {
  it('sends a query again on a fresh socket when the reused one was closed under it', async () => {
    seen.clear();
    dropNth = 2;
    const send = transport();
    expect(answerOf(await ask(send))).toEqual({ data: { n: 1 } });
    // The second request goes out on the same socket, which the server closes: the retry answers.
    expect(answerOf(await ask(send))).toEqual({ data: { n: 1 } });
    expect([...seen.values()]).toEqual([2, 1]);
  });

  it('does not send a mutation again: the subgraph may have run it', async () => {
    seen.clear();
    dropNth = 2;
    const send = transport();
    await ask(send, false);
    await expect(ask(send, false)).rejects.toThrow();
    expect([...seen.values()]).toEqual([2]);
  });

  it('does not send again when a fresh socket fails', async () => {
    seen.clear();
    dropNth = 1;
    await expect(ask(transport())).rejects.toThrow();
    expect([...seen.values()]).toEqual([1]);
  });

  it('closes an idle socket itself, so the next request goes out on a fresh one', async () => {
    seen.clear();
    dropNth = 0;
    const send = transport(100);
    await ask(send, false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await ask(send, false);
    expect([...seen.values()]).toEqual([1, 1]);
  });
});
