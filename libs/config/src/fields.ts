import { defaultBrokerRetryPolicy } from '@saga/retry';
import { z } from 'zod';

function urlWithProtocols(protocols: readonly string[], example: string) {
  const message = `expected a URL of the form ${example} (${protocols.join(' or ')})`;
  return z.string({ error: message }).refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, message);
}

/** A PostgreSQL connection URL (postgres:// or postgresql://); required. */
export const databaseUrl = urlWithProtocols(['postgres', 'postgresql'], 'postgres://user@host:5432/db');

/** A RabbitMQ connection URL (amqp:// or amqps://); required. */
export const amqpUrl = urlWithProtocols(['amqp', 'amqps'], 'amqp://guest:guest@host:5672');

/** The prefix of every broker resource name, so parallel runs never share queues; defaults to 'shop'. */
export const namespace = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,40}$/, { error: 'expected a lowercase letter, then up to 40 of a-z, 0-9 and -' })
  .default('shop');

/** The least severe log level written: error, warn, info or debug; defaults to info. */
export const logLevel = z
  .enum(['error', 'warn', 'info', 'debug'], { error: 'expected one of error, warn, info, debug' })
  .default('info');

/** A TCP port to listen on (0 asks the OS for any free port), with a default for when it is unset. */
export function httpPort(defaultPort: number) {
  return z.coerce
    .number({ error: 'expected an integer 0-65535' })
    .int({ error: 'expected an integer 0-65535' })
    .min(0, { error: 'expected an integer 0-65535' })
    .max(65535, { error: 'expected an integer 0-65535' })
    .default(defaultPort);
}

/** The interface an HTTP server binds to; defaults to loopback only. */
export const httpHost = z.string().min(1, { error: 'expected a host name or address' }).default('127.0.0.1');

const retryDelaysMessage = 'expected comma-separated positive integers (milliseconds), e.g. 100,200,400';

/**
 * The delays in milliseconds before each retry of a message whose handler failed, e.g. `500,2000,8000`;
 * one retry queue per delay. Defaults to @saga/retry's defaultBrokerRetryPolicy (500,2000,8000,30000).
 */
export const retryDelaysMs = z
  .string({ error: retryDelaysMessage })
  .regex(/^\s*[1-9]\d*\s*(,\s*[1-9]\d*\s*)*$/, { error: retryDelaysMessage })
  .transform((value) => value.split(',').map((delay) => Number(delay.trim())))
  .refine((delays) => delays.every(Number.isSafeInteger), { error: retryDelaysMessage })
  .default([...defaultBrokerRetryPolicy.delaysMs]);

const periodUnitsMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const periodMessage = 'expected a whole number of minutes, hours or days, e.g. 90m, 12h or 7d';

function periodMs(value: string, minimumMs: number, context: z.RefinementCtx, orOff = ''): number {
  const match = /^([1-9]\d{0,5})([mhd])$/.exec(value.trim().toLowerCase());
  if (!match) {
    context.addIssue({ code: 'custom', message: periodMessage + orOff });
    return z.NEVER;
  }
  const ms = Number(match[1]) * periodUnitsMs[match[2] as keyof typeof periodUnitsMs];
  if (ms < minimumMs) {
    context.addIssue({ code: 'custom', message: `expected at least ${minimumMs / 60_000} minutes` });
    return z.NEVER;
  }
  return ms;
}

/** How long rows of some kind are kept, written `90m`, `12h` or `7d`, in milliseconds; at least minimumMs. */
export function retentionPeriod(fallback: string, minimumMs: number) {
  return z
    .string({ error: periodMessage })
    .default(fallback)
    .transform((value, context) => periodMs(value, minimumMs, context));
}

/** Like retentionPeriod, or `off` (kept for ever), which gives null. */
export function optionalRetentionPeriod(fallback: string, minimumMs: number) {
  return z
    .string({ error: periodMessage })
    .default(fallback)
    .transform((value, context) =>
      value.trim().toLowerCase() === 'off' ? null : periodMs(value, minimumMs, context, ', or off'),
    );
}

/**
 * How long a service keeps the inbox rows of messages it processed and the outbox rows it published
 * (default 7d, at least an hour). A copy of a message older than this (a dead letter replayed weeks
 * later) is no longer recognised by the inbox and falls to the handler's own idempotency, per order.
 */
export const messageRetention = retentionPeriod('7d', 3_600_000);

/**
 * How callers' tokens are verified (see @saga/identity identitySettingsFrom): the issuer and audience a
 * token must name, and exactly one source of keys: a shared secret (HS256, at least 32 characters), a
 * PEM public key (RS256 or ES256), or a JWKS URL.
 */
export const authEnv = {
  AUTH_ISSUER: z.string().trim().min(1, { error: 'expected the issuer (iss) tokens must name' }).default('saga-dev'),
  AUTH_AUDIENCE: z.string().trim().min(1, { error: 'expected the audience (aud) tokens must name' }).default('saga'),
  AUTH_JWT_SECRET: z.string().min(32, { error: 'expected a secret of at least 32 characters' }).optional(),
  AUTH_JWT_PUBLIC_KEY: z
    .string()
    .transform((pem) => pem.replace(/\\n/g, '\n'))
    .refine((pem) => pem.includes('-----BEGIN PUBLIC KEY-----'), { error: 'expected a PEM public key' })
    .optional(),
  AUTH_JWKS_URL: urlWithProtocols(['https', 'http'], 'https://issuer.example/.well-known/jwks.json').optional(),
  /** Failed authentications an address may make per minute before it is answered 429 for the rest of it. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
};

/**
 * Which proxies in front of the app to believe about the client's address (X-Forwarded-For), for the
 * rate limits per address: `off` (the default: the TCP peer is the client), a number of hops, or a
 * comma-separated list of proxy addresses or CIDR ranges.
 */
export const trustProxy = z
  .string()
  .default('off')
  .transform((value): boolean | number | string => {
    const trimmed = value.trim();
    if (trimmed === 'off' || trimmed === '') return false;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  });

/**
 * The OpenTelemetry collector spans are exported to over OTLP/HTTP (its base URL; `/v1/traces` is
 * added); unset, trace ids still flow through requests, messages and logs, and no span is exported.
 */
export const otlpEndpoint = urlWithProtocols(['http', 'https'], 'http://collector:4318').optional();

/** The variables every service reads; spread into an app's schema beside its own fields. */
export const baseEnv = {
  ...authEnv,
  TRUST_PROXY: trustProxy,
  DATABASE_URL: databaseUrl,
  AMQP_URL: amqpUrl,
  NAMESPACE: namespace,
  LOG_LEVEL: logLevel,
  HOST: httpHost,
  RETRY_DELAYS_MS: retryDelaysMs,
  MESSAGE_RETENTION: messageRetention,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
};
