import type { Logger } from 'pino';

/** What one turn of a loop came to: go again at once, or rest this long (unless woken). */
export type LoopTurn = { again: true } | { restMs: number };

/**
 * A background loop that can be woken: `turn()` runs, then the loop rests for what the turn asked
 * unless `wake()` is called. A wake that arrives while a turn is running is kept, so the next rest
 * ends at once (work committed during a turn is never left for the next poll). A throwing turn is
 * logged and followed by `failureRestMs`.
 */
export class WakeableLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;

  constructor(
    private readonly name: string,
    private readonly turn: () => Promise<LoopTurn>,
    private readonly logger: Logger,
    private readonly failureRestMs = 1000,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Ends the rest in progress and waits for the turn in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let next: LoopTurn;
      try {
        next = await this.turn();
      } catch (error) {
        this.logger.error({ err: error, loop: this.name }, `${this.name} failed; trying again`);
        next = { restMs: this.failureRestMs };
      }
      if (!this.running) break;
      if ('restMs' in next) await this.rest(next.restMs);
    }
  }

  private rest(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
