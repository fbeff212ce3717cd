import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Output } from './output.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. the binary is missing). */
  error?: Error;
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  output: Output;
  /** How many of its last output lines to keep for a report when it dies. */
  keepLines?: number;
}

/**
 * One child process of the launcher. Children run in their own process group, so a Ctrl-C in the terminal
 * reaches the launcher only and each child gets exactly one signal, in the order the launcher chooses
 * (services before the Postgres and NATS they use).
 */
export class Child {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private readonly recent: string[] = [];
  private killedHard = false;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    output: Output,
    keepLines: number,
  ) {
    for (const stream of [process.stdout, process.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.recent.push(line);
        if (this.recent.length > keepLines) this.recent.shift();
        output.line(name, line);
      });
    }
    this.exited = new Promise<ExitStatus>((resolve) => {
      process.once('error', (error) => {
        // 'error' without a pid: it never started, and 'exit' will not follow.
        if (process.pid === undefined) {
          this.status = { code: null, signal: null, error };
          resolve(this.status);
        }
      });
      // 'close' rather than 'exit': its output has been read to the end by then.
      process.once('close', (code, signal) => {
        this.status ??= { code, signal };
        resolve(this.status);
      });
    });
  }

  static spawn(options: ChildOptions): Child {
    const process = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new Child(options.name, process, options.output, options.keepLines ?? 15);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** Its last lines of output, for the report when it dies. */
  lastLines(): string[] {
    return [...this.recent];
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILL. True when it stopped by itself with status 0. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    if (!this.running) return this.stoppedCleanly();
    this.signal(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.killedHard = true;
      this.signal('SIGKILL');
      await this.exited;
    }
    return this.stoppedCleanly();
  }

  /** Last resort when the launcher itself goes down: nothing may outlive it. */
  killNow(): void {
    if (this.running) {
      this.killedHard = true;
      this.process.kill('SIGKILL');
    }
  }

  private stoppedCleanly(): boolean {
    return !this.killedHard && this.status?.code === 0;
  }
}

export function describeExit(status: ExitStatus): string {
  if (status.error !== undefined) return `could not start (${status.error.message})`;
  if (status.signal !== null) return `was killed by ${status.signal}`;
  return `exited with status ${status.code ?? 'unknown'}`;
}
