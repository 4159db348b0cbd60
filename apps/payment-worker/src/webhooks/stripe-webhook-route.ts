import Stripe from 'stripe';
import { z } from 'zod';
import type { TransactionalMessaging } from '@saga/outbox';
import { HttpProblem, type HttpApp } from '@saga/runtime';
import type { Logger } from '@saga/observability';
import { applyStripeEvent } from './stripe-events';

/** What the webhook route needs: the endpoint's signing secret, and where its effects go. */
export interface StripeWebhookContext {
  readonly webhookSecret: string;
  readonly messaging: TransactionalMessaging;
  readonly logger: Logger;
}

const Received = z.object({ received: z.literal(true), outcome: z.enum(['applied', 'duplicate', 'ignored']) });

/** The most a webhook body may be: Stripe's events are a few kilobytes. */
const maxWebhookBytes = 256 * 1024;

/**
 * POST /webhooks/stripe: the events Stripe sends about payment intents. The signature is verified on
 * the raw body against the endpoint's secret, with Stripe's tolerance of five minutes; a bad or stale
 * one is a 400 that changes nothing. Each event id is applied once; a repeat is acknowledged.
 */
export function registerStripeWebhookRoute(app: HttpApp, context: StripeWebhookContext): void {
  app.register(async (scope) => {
    // The signature covers the bytes Stripe sent, so this route reads them unparsed.
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: maxWebhookBytes },
      (_r, body, done) => done(null, body),
    );
    // Anyone may call it: the Stripe-Signature header, checked against the webhook secret, is the proof.
    scope.post(
      '/webhooks/stripe',
      { config: { access: 'anyone' }, schema: { response: { 200: Received } } },
      async (request) => {
        const event = verifiedEvent(request.body, request.headers['stripe-signature'], context.webhookSecret);
        const outcome = await context.messaging.transaction((tx) => applyStripeEvent(tx, event));
        context.logger.info('stripe webhook', { eventId: event.id, type: event.type, outcome });
        return { received: true as const, outcome };
      },
    );
  });
}

function verifiedEvent(body: unknown, signature: string | string[] | undefined, secret: string): Stripe.Event {
  if (!Buffer.isBuffer(body)) throw HttpProblem.badRequest('send the event as application/json');
  if (typeof signature !== 'string') throw HttpProblem.badRequest('the Stripe-Signature header is missing');
  try {
    return Stripe.webhooks.constructEvent(body, signature, secret);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw HttpProblem.badRequest(`the event's signature does not verify: ${reason}`);
  }
}
