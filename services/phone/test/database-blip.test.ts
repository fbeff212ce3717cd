import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '@attestor/platform/testing';
import { PhoneHarness } from './harness.js';

/**
 * A TCP proxy in front of PostgreSQL that, once armed, breaks the first connection that opens a
 * transaction — what a database restart or a terminated session does to a write in progress.
 */
class BreakingProxy {
  private readonly target = new URL(TEST_DATABASE_URL);
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private armed = false;
  broken = 0;

  async start(): Promise<string> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(Number(this.target.port || 5432), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.on('data', (chunk: Buffer) => {
        if (this.armed && chunk.includes('START TRANSACTION')) {
          this.armed = false;
          this.broken += 1;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const url = new URL(TEST_DATABASE_URL);
    url.host = `127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return url.toString();
  }

  /** The next transaction any connection opens dies with its connection. */
  arm(): void {
    this.armed = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const proxy = new BreakingProxy();
let h: PhoneHarness;

beforeAll(async () => {
  h = new PhoneHarness({ DATABASE_URL: await proxy.start() });
  await h.start();
});
afterAll(async () => {
  await h?.stop();
  await proxy.close();
});

describe('a database blip right after Twilio approved a code', () => {
  it('still records the approval once: Twilio has forgotten the code, so a lost record would read EXPIRED', async () => {
    const { phoneNumber, verification } = await h.started();
    const code = await h.code(phoneNumber);
    // While Twilio approves the code, the phone service's next transaction — the one recording it — breaks.
    h.whileTwilio = (operation) => {
      if (operation === 'CreateVerificationCheck') proxy.arm();
    };
    try {
      const { result, verification: checked } = await h.check(h.partner(), verification.id, code);
      expect(proxy.broken).toBe(1);
      expect(result.errors).toBeUndefined();
      expect(checked?.status).toBe('APPROVED');
    } finally {
      h.whileTwilio = undefined;
    }
    expect(await h.row(verification.id)).toMatchObject({ status: 'APPROVED', check_attempts: 1 });
    await h.event('phone.verification.approved', verification.id);
    expect(h.eventsOf(verification.id).filter((e) => e.type === 'phone.verification.approved')).toHaveLength(
      1,
    );
  });
});
