import { ConfigError } from '@saga/config';
import type { RunningService } from './run-service';

/**
 * The body of every app's main.ts: start, stop gracefully on SIGTERM/SIGINT, and on a fatal error
 * report it once and exit 1.
 */
export function runMain(start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      const shutdown = (signal: string) => {
        service.context.logger.info(`received ${signal}`);
        service.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            service.context.logger.error('shutdown failed', { error });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      const message = error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error));
      process.stderr.write(`fatal: ${message}\n`);
      process.exit(1);
    },
  );
}
