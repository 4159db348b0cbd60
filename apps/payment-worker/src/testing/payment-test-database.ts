import { randomUUID } from 'node:crypto';
import { recordPaymentMethod } from '../domain/order-payment-methods';
import type { DataSource } from 'typeorm';
import { paymentAuthorize, paymentCapture, paymentRefund, paymentVoid, type PaymentAuthorize } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { amountFromDatabase } from '@saga/persistence';
import { openServiceDatabase } from '@saga/runtime';
import { runCommand } from '@saga/participant/testing';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { testCardPaymentWorker } from '../payment-worker-service';
import { cardProviders, type CardProvider } from '../providers/payment-provider';
import { authorizePayment } from '../commands/authorize-payment';
import { capturePayment } from '../commands/capture-payment';
import { voidPayment } from '../commands/void-payment';
import { refundPayment } from '../commands/refund-payment';
import { addToWallet, walletFromLedger } from '../domain/wallets';
import { testCardProvider } from '../providers/test-card-provider';

/** A migrated payment schema on a fresh database, for specs; close() drops it. */
export interface PaymentTestDatabase {
  readonly infra: TestInfrastructure;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** Provisions a fresh database and migrates the payment schema (with outbox and inbox) into it. */
export async function openPaymentTestDatabase(): Promise<PaymentTestDatabase> {
  const infra = await provisionTestInfrastructure();
  const dataSource = await openServiceDatabase(testCardPaymentWorker, infra.databaseUrl, { poolSize: 30 });
  return {
    infra,
    dataSource,
    async close() {
      await dataSource.destroy();
      await infra.teardown();
    },
  };
}

/** Opens (or tops up) a wallet with this many cents. */
export async function fundWallet(dataSource: DataSource, userId: string, amount: number): Promise<void> {
  await dataSource.transaction((manager) => addToWallet(manager, userId, { kind: 'credit', amount }));
}

/** A user id no other test shares. */
export function newUserId(): string {
  return `shopper-${randomUUID().slice(0, 8)}`;
}

/**
 * The money invariants of a user's wallet, checked against the balance it was funded with: money is
 * conserved (balance + captured = funded), held is exactly what authorized payments hold, held never
 * exceeds the balance, and no payment was captured twice. A wallet that is not what its ledger adds up
 * to fails the call.
 */
export async function walletInvariants(dataSource: DataSource, userId: string) {
  const [row] = (await dataSource.query(
    `SELECT w.balance, w.held,
       (SELECT coalesce(sum(amount), 0)::bigint FROM payment.payments
         WHERE user_id = w.user_id AND provider = 'wallet' AND status = 'CAPTURED') AS captured,
       (SELECT coalesce(sum(amount), 0)::bigint FROM payment.payments
         WHERE user_id = w.user_id AND provider = 'wallet' AND status = 'AUTHORIZED') AS authorized,
       (SELECT count(*)::int FROM payment.payment_ledger l JOIN payment.payments p ON p.id = l.payment_id
         WHERE p.user_id = w.user_id AND l.kind = 'capture') AS captures
     FROM payment.wallets w WHERE w.user_id = $1`,
    [userId],
  )) as { balance: string; held: string; captured: string; authorized: string; captures: number }[];
  const ledger = await walletFromLedger(dataSource.manager, userId);
  const balance = amountFromDatabase(row.balance);
  const held = amountFromDatabase(row.held);
  if (ledger.balance !== balance || ledger.held !== held) {
    throw new Error(`wallet of ${userId} (${balance} held ${held}) is not its ledger (${JSON.stringify(ledger)})`);
  }
  return {
    balance,
    held,
    captured: amountFromDatabase(row.captured),
    authorized: amountFromDatabase(row.authorized),
    captures: row.captures,
  };
}

/**
 * The payment commands with cards through this provider (test cards unless told), each run as the command processor runs it; what a
 * handler sends besides its reply lands in sent. database is read at each call, so specs can pass
 * () => db before beforeAll has opened it.
 */
export function paymentCommands(
  database: () => PaymentTestDatabase,
  sent: PendingMessage[],
  card: CardProvider = testCardProvider,
) {
  const cards = cardProviders(card);
  return {
    authorize: (payload: PaymentAuthorize) =>
      runCommand({ dataSource: database().dataSource, sent }, paymentAuthorize, authorizePayment(cards), payload),
    voidOrder: (orderId: string) =>
      runCommand({ dataSource: database().dataSource, sent }, paymentVoid, voidPayment(cards), {
        orderId,
      }),
    refund: (orderId: string, refundId: string, amount: number) =>
      runCommand({ dataSource: database().dataSource, sent }, paymentRefund, refundPayment(cards), {
        refundId,
        orderId,
        amount,
        currency: 'USD',
      }),
    capture: (orderId: string) =>
      runCommand({ dataSource: database().dataSource, sent }, paymentCapture, capturePayment(cards), {
        orderId,
      }),
  };
}

/**
 * A card order of this many cents: its payment method recorded as order-api's
 * order.payment-method-provided leaves it, and the authorize command the saga then sends.
 */
export async function cardOrder(
  dataSource: DataSource,
  token: string,
  { amount = 4_900, userId = newUserId() }: { amount?: number; userId?: string } = {},
): Promise<PaymentAuthorize> {
  const orderId = randomUUID();
  await recordPaymentMethod(dataSource.manager, { orderId, userId, paymentMethod: { method: 'card', token } });
  return { orderId, userId, amount, currency: 'USD', paymentMethod: { method: 'card' } };
}

/** An order of this many cents paid from the user's wallet. */
export function walletOrder(userId: string, amount: number): PaymentAuthorize {
  return { orderId: randomUUID(), userId, amount, currency: 'USD', paymentMethod: { method: 'wallet' } };
}

/** The card providers of a worker without a Stripe key, for specs that run handlers themselves. */
export const testCards = cardProviders(testCardProvider);
