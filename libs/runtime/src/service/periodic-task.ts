import type { Logger } from '@saga/observability';

export interface PeriodicTaskOptions {
  /** What the task does, in its log lines: e.g. `deadline scan`. */
  readonly name: string;
  readonly intervalMs: number;
  /** The wait before the first pass (default: none). */
  readonly firstAfterMs?: number;
  readonly logger: Logger;
  /** One pass; a pass that throws is logged and the next comes on time. */
  readonly pass: () => Promise<void>;
}

/** Runs a pass, then waits intervalMs, until stop(); stop() waits for the pass in progress. */
export class PeriodicTask {
  private running = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: PeriodicTaskOptions) {}

  /** Whether stop() was called: a long pass checks it between its parts. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { name, intervalMs, firstAfterMs = 0, logger, pass } = this.options;
    let waitMs = firstAfterMs;
    for (;;) {
      if (waitMs > 0) await this.sleep(waitMs);
      if (!this.running) return;
      try {
        await pass();
      } catch (error) {
        logger.error(`${name} failed; trying again next interval`, { error });
      }
      waitMs = intervalMs;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
