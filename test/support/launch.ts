import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { eventually } from '@attestor/platform/testing';

/**
 * `npm start` run by a test, as a person runs it: in its own process group (Ctrl-C reaches everything
 * under it), its output collected, the ready banner parsed, and every process it started findable by
 * working directory so a failed test leaves nothing behind.
 */
export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The lowest port Linux hands out to outgoing connections (32768 by default). A port picked at or
 * above it can be taken by any client socket between the check and the listen: a launcher test lost
 * its gateway's port that way (EADDRINUSE on 33250). So tests pick theirs below it.
 */
function ephemeralPortsFrom(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 21_000) return low;
  } catch {
    // not Linux
  }
  return 32_768;
}

/** A base from 20000 up whose `size` ports are all free now, below the ephemeral range. */
async function freeRange(size: number): Promise<number> {
  const top = ephemeralPortsFrom() - size;
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * (top - 20_000));
    const ports = Array.from({ length: size }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
}

/** A base whose eleven ports (gateway … emulator) are all free. */
export function freePortBase(): Promise<number> {
  return freeRange(11);
}

export function freePort(): Promise<number> {
  return freeRange(1);
}

/** Processes whose working directory is inside `directory` (everything a launcher there started): "pid command". */
export function processesIn(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== directory && !cwd.startsWith(`${directory}/`)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push(`${entry} ${command}`);
    } catch {
      // gone meanwhile, or a zombie
    }
  }
  return found;
}

export const pidOf = (description: string): number => Number(description.split(' ')[0]);

/** Running, as opposed to gone or a zombie (dead; reparented zombies wait for an init that reaps them). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export interface Ready {
  gatewayUrl: string;
  apiKey: string;
  accountId: string;
}

export class Launch {
  private text = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly process: ChildProcess;

  constructor(
    readonly directory: string,
    env: Record<string, string>,
  ) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          entry[1] !== undefined &&
          !/^(DATABASE_URL|NATS_URL|NATS_NAMESPACE|TWILIO_|DB_|LOG_|PORT$|HOST$)/.test(entry[0]),
      ),
    );
    // Its own process group, so the interrupt below reaches npm and everything under it, as Ctrl-C does.
    this.process = spawn('npm', ['start'], {
      cwd: directory,
      env: { ...inherited, NODE_ENV: 'development', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.process.stdout, this.process.stderr])
      stream?.on('data', (chunk) => (this.text += String(chunk)));
    this.exited = new Promise((resolve) =>
      this.process.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  get output(): string {
    return this.text;
  }

  /** Waits for the ready banner; fails with the launcher's output if it exits first. */
  async ready(): Promise<Ready> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await eventually(
      () => {
        if (exited) throw new Error(`npm start exited before ready:\n${this.text}`);
        return /API key: +\S+/.test(this.text);
      },
      { timeoutMs: 180_000, intervalMs: 100, what: 'the ready banner' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- npm start output ---\n${this.text}`);
    });
    const field = (label: string) => new RegExp(`${label}: +(\\S+)`).exec(this.text)?.[1] ?? '';
    return { gatewayUrl: field('GraphQL'), apiKey: field('API key'), accountId: field('Account') };
  }

  /** Ctrl-C: SIGINT to the whole process group. */
  async interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.process.pid !== undefined) process.kill(-this.process.pid, 'SIGINT');
    return this.exited;
  }

  /** Cleanup after a failed test: nothing it started may stay. */
  killAll(): void {
    for (const pid of processesIn(this.directory).map(pidOf)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export async function accountThrough(gatewayUrl: string, apiKey: string): Promise<unknown> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: '{ account { id } }' }),
  });
  return response.json();
}
