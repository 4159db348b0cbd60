import { z } from 'zod';
import { baseEnv, httpPort } from '@saga/config';
import type { StripeConnection } from './providers/stripe-provider';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The payment worker's environment: the common variables, and Stripe's when cards go through Stripe. */
export const PaymentWorkerConfig = z
  .object({
    ...baseEnv,
    PORT: httpPort(3002),
    /** Stripe's secret key (sk_test_... for test mode). Without it, cards use the test-card simulation. */
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, {
        error: 'expected a Stripe secret key, sk_test_... or sk_live_...',
      })
      .optional(),
    /** The signing secret of the webhook endpoint (whsec_...), to verify what POST /webhooks/stripe receives. */
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9]+$/, { error: 'expected a webhook signing secret, whsec_...' })
      .optional(),
    /** Another Stripe API than Stripe's own (a fake in tests), e.g. http://127.0.0.1:12111. */
    STRIPE_API_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    /** How long one Stripe request may take before the SDK gives up on it and retries it, same key. */
    STRIPE_TIMEOUT_MS: positiveInt(10_000),
    /** How often the SDK retries a request lost on the network or answered 409/5xx, before the broker does. */
    STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  })
  .refine((config) => (config.STRIPE_SECRET_KEY === undefined) === (config.STRIPE_WEBHOOK_SECRET === undefined), {
    error: 'set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET together, or neither',
    path: ['STRIPE_WEBHOOK_SECRET'],
  });
export type PaymentWorkerConfig = z.infer<typeof PaymentWorkerConfig>;

/** How the worker reaches Stripe, with the secret its webhooks are signed with. */
export interface StripeSettings extends StripeConnection {
  readonly webhookSecret: string;
}

/** Stripe's settings from the config, or undefined when cards use the test-card simulation. */
export function stripeSettingsOf(config: PaymentWorkerConfig): StripeSettings | undefined {
  if (config.STRIPE_SECRET_KEY === undefined || config.STRIPE_WEBHOOK_SECRET === undefined) return undefined;
  return {
    secretKey: config.STRIPE_SECRET_KEY,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    apiUrl: config.STRIPE_API_URL === undefined ? undefined : new URL(config.STRIPE_API_URL),
    timeoutMs: config.STRIPE_TIMEOUT_MS,
    maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
  };
}
