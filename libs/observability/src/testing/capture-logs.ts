import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../create-logger';

/** A logger that keeps every line it writes, parsed, instead of printing it: for specs that assert on logs. */
export function captureLogs(service: string): { readonly logger: Logger; readonly lines: Record<string, unknown>[] } {
  const destination = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { logger: createLogger({ service, level: 'debug', format: 'json', destination }), lines };
}
