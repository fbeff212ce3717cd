import type { Logger } from 'pino';
import type { Worker } from './service.js';

export interface PeriodicWorkerOptions {
  name: string;
  intervalMs: number;
  /** One run; its failure is logged and the next run comes at the next interval. */
  run(): Promise<void>;
  logger: Logger;
  /** Run once right away at start (default), or wait one interval first. */
  runAtStart?: boolean;
}

/**
 * A job that runs every `intervalMs` (measured from the end of the previous run, so runs never
 * overlap). `stop()` cancels the next run and waits for the one in progress. Jobs that several
 * instances run side by side must claim their rows (FOR UPDATE SKIP LOCKED or a lease).
 */
export class PeriodicWorker implements Worker {
  readonly name: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PeriodicWorkerOptions) {
    this.name = options.name;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.options.runAtStart === false) this.schedule();
    else this.runNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runNow(), this.options.intervalMs);
    this.timer.unref();
  }

  private runNow(): void {
    this.current = this.options
      .run()
      .catch((error: unknown) =>
        this.options.logger.error({ err: error, worker: this.name }, `${this.name} failed`),
      )
      .finally(() => {
        this.current = undefined;
        this.schedule();
      });
  }
}
