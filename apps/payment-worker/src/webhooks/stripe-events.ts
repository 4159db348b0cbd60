import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { FailureCode } from '@saga/contracts';
import type { MessagingTransaction } from '@saga/outbox';
import { fail, sendReply, succeed } from '@saga/participant';
import { preparedQuery, schemaOf } from '@saga/persistence';
import { PaymentStatus, ProviderName, type PaymentCause } from '../domain/payment-codes';
import { asProviderPayment, type Payment } from '../domain/payment.entity';
import { lockPaymentByProviderRef, lockPaymentOfOrder, recordAuthorization, settlePayment } from '../domain/payments';
import { failureOfIntent } from '../providers/stripe-provider';

/** What became of a webhook event: it changed a payment, it was seen before, or it changes nothing. */
export type StripeEventOutcome = 'applied' | 'duplicate' | 'ignored';

/** The PaymentIntent events that settle an authorization waiting on the shopper, or end a hold. */
const intentEvents = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
] as const;
type IntentEventType = (typeof intentEvents)[number];

/** How an authorization ended, as an intent event says: held, or failed and why. */
type SettledAuthorization = Parameters<typeof recordAuthorization>[2] & {
  readonly status: typeof PaymentStatus.Authorized | typeof PaymentStatus.Declined;
};

/**
 * Applies one verified Stripe event in the caller's transaction, once per event id. A payment waiting
 * on the shopper (REQUIRES_ACTION) is authorized or declined, and the authorize command it owes an
 * answer is replied to; a held payment cancelled on Stripe's side is voided. An event for a payment
 * whose authorization answer is not recorded yet is kept, and that answer, once recorded, reads it.
 */
export async function applyStripeEvent(tx: MessagingTransaction, event: Stripe.Event): Promise<StripeEventOutcome> {
  const intent = isIntentEvent(event) ? (event.data.object as Stripe.PaymentIntent) : null;
  if (!(await recordEvent(tx.manager, event, intent))) return 'duplicate';
  if (!intent) return 'ignored';
  const payment = await lockStripePayment(tx.manager, intent);
  if (!payment) return 'ignored';
  const cause: PaymentCause = { kind: 'webhook', id: event.id, type: event.type };
  const settled = settledBy(event.type as IntentEventType, intent);
  if (payment.status === PaymentStatus.RequiresAction && settled) {
    const waiting = payment.awaitingReply;
    await recordAuthorization(tx.manager, payment, settled, cause);
    if (waiting) {
      const outcome =
        settled.status === PaymentStatus.Authorized
          ? succeed({ paymentId: payment.id, provider: ProviderName.Stripe })
          : fail(settled.failure.code, settled.failure.message);
      sendReply(tx.send, waiting, outcome);
    }
    return 'applied';
  }
  if (payment.status === PaymentStatus.Authorized && event.type === 'payment_intent.canceled') {
    await settlePayment(tx.manager, asProviderPayment(payment), PaymentStatus.Voided, cause);
    return 'applied';
  }
  return 'ignored';
}

/**
 * How the shopper's action already ended, if a webhook told before the authorization's own answer
 * was recorded: that answer said "requires action", but the event came first.
 */
export async function authorizationSettledEarlier(
  manager: EntityManager,
  intentId: string,
): Promise<{ readonly settled: SettledAuthorization; readonly cause: PaymentCause } | null> {
  const { rows } = await preparedQuery<{ event_id: string; type: IntentEventType; intent: Stripe.PaymentIntent }>(
    manager,
    `SELECT event_id, type, intent FROM "${schemaOf(manager.connection)}".provider_events
      WHERE intent_id = $1 ORDER BY received_at DESC`,
    [intentId],
  );
  for (const row of rows) {
    const settled = settledBy(row.type, row.intent);
    if (settled) return { settled, cause: { kind: 'webhook', id: row.event_id, type: row.type } };
  }
  return null;
}

function settledBy(type: IntentEventType, intent: Stripe.PaymentIntent): SettledAuthorization | null {
  switch (type) {
    case 'payment_intent.amount_capturable_updated':
      return intent.status === 'requires_capture' ? { status: PaymentStatus.Authorized, providerRef: intent.id } : null;
    case 'payment_intent.payment_failed':
      return { status: PaymentStatus.Declined, failure: failureOfIntent(intent), providerRef: intent.id };
    case 'payment_intent.canceled':
      return {
        status: PaymentStatus.Declined,
        failure: { code: FailureCode.CardDeclined, message: 'The card payment was cancelled on Stripe.' },
        providerRef: intent.id,
      };
    case 'payment_intent.requires_action':
      return null;
  }
}

function isIntentEvent(event: Stripe.Event): boolean {
  return (intentEvents as readonly string[]).includes(event.type);
}

/** Records the event's id (and the intent it carries); false when it was recorded before. */
async function recordEvent(
  manager: EntityManager,
  event: Stripe.Event,
  intent: Stripe.PaymentIntent | null,
): Promise<boolean> {
  const { rows } = await preparedQuery(
    manager,
    `INSERT INTO "${schemaOf(manager.connection)}".provider_events (event_id, type, intent_id, intent)
     VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (event_id) DO NOTHING RETURNING 1`,
    [event.id, event.type, intent?.id ?? null, intent === null ? null : JSON.stringify(intent)],
  );
  return rows.length === 1;
}

/** The Stripe payment the intent belongs to, locked: by the order it names, else by its id. */
async function lockStripePayment(manager: EntityManager, intent: Stripe.PaymentIntent): Promise<Payment | null> {
  const orderId = intent.metadata?.orderId;
  const byOrder = isUuid(orderId) ? await lockPaymentOfOrder(manager, orderId) : null;
  if (byOrder?.provider === ProviderName.Stripe && (byOrder.providerRef ?? intent.id) === intent.id) return byOrder;
  return lockPaymentByProviderRef(manager, ProviderName.Stripe, intent.id);
}

function isUuid(value: string | undefined): value is string {
  return value !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
