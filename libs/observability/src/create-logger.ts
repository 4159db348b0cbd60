import winston from 'winston';
import { redactValue } from './redact';
import { traceFields } from './tracing';

/** The logger every service and lib writes to; child loggers add message context. */
export type Logger = winston.Logger;

/** How log lines are written: one JSON object per line, or readable text for a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Options of createLogger; only the service name is required. */
export interface LoggerOptions {
  service: string;
  level?: string;
  format?: LogFormat;
  /** Where lines go instead of stdout (a file, or a buffer in a test). */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the service's logger: JSON lines in production, one readable line per entry otherwise. Every
 * entry is redacted first (see redact.ts): secrets and card data never reach a log.
 */
export function createLogger({
  service,
  level = 'info',
  format = defaultFormat(),
  destination,
}: LoggerOptions): Logger {
  const logger: Logger = winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      // winston formats every entry before its transports drop those below the level: drop them first.
      winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false))(),
      winston.format.errors({ stack: true }),
      traceContext(),
      serializeErrors(),
      redactSecrets(),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : prettyLine(),
    ),
    transports: [
      destination ? new winston.transports.Stream({ stream: destination }) : new winston.transports.Console(),
    ],
  });
  return logger;
}

function defaultFormat(): LogFormat {
  return process.env.LOG_FORMAT === 'json' || process.env.NODE_ENV === 'production' ? 'json' : 'pretty';
}

// The trace, span and request ids of the context the line is written in, unless the line names its own.
const traceContext = winston.format((info) => (info.traceId === undefined ? Object.assign(info, traceFields()) : info));

// JSON.stringify turns an Error into {}: an error passed as metadata ({ err }) would lose its message and stack.
const serializeErrors = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (value instanceof Error) info[key] = { name: value.name, message: value.message, stack: value.stack };
  }
  return info;
});

// Every field and the message itself: no token, password or card number, no raw control byte, is written.
const redactSecrets = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) info[key] = redactValue(value, key);
  return info;
});

const prettyLine = () =>
  winston.format.printf((info) => {
    const { timestamp, level, message, service, stack, ...meta } = info;
    const fields = Object.entries(meta)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const line = `${String(timestamp)} ${level.toUpperCase().padEnd(5)} [${String(service)}] ${String(message)}`;
    return [fields ? `${line} ${fields}` : line, typeof stack === 'string' ? stack : undefined]
      .filter((part) => part !== undefined)
      .join('\n');
  });
