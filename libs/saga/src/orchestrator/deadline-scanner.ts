import type { Logger } from '@saga/observability';

/** What the scanner drives: the orchestrator's handling of passed deadlines. */
export interface OverdueHandler {
  expireOverdue(limit?: number): Promise<number>;
}

/**
 * Looks for sagas whose awaited reply is overdue, every intervalMs, and has the orchestrator act on
 * them. Safe to run in every orchestrator replica: each overdue saga is claimed by one of them.
 */
export class DeadlineScanner {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly handler: OverdueHandler,
    private readonly options: { readonly intervalMs: number; readonly logger: Logger },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the pass in progress, if any. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const handled = await this.handler.expireOverdue();
        if (handled > 0) this.options.logger.warn('acted on overdue saga steps', { sagas: handled });
      } catch (error) {
        this.options.logger.error('deadline scan failed; trying again next interval', { error });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.intervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
