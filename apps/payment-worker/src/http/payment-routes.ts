import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Cents, Failure } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { callerOf, HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { LedgerKind, PaymentStatus, ProviderName } from '../domain/payment-codes';
import { findPaymentWithLedger } from '../domain/payments';

const PaymentQuery = z.object({ orderId: z.uuid() });

/** An order's payment with its ledger and status history; a tombstone shows as VOIDED with no provider. */
export const PaymentView = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  userId: z.string().nullable(),
  provider: z.enum(ProviderName).nullable(),
  providerRef: z.string().nullable(),
  amount: Cents,
  currency: z.string(),
  status: z.enum(PaymentStatus),
  failure: Failure.nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /** While REQUIRES_ACTION: what the shopper must do (the provider's 3-D Secure page). */
  nextAction: z.string().nullable(),
  ledger: z.array(z.object({ kind: z.enum(LedgerKind), amount: Cents, at: z.iso.datetime({ offset: true }) })),
  /** Every status the payment took, with what caused it: a command of the saga, or a provider's webhook. */
  history: z.array(
    z.object({
      status: z.enum(PaymentStatus),
      cause: z.object({ kind: z.enum(['command', 'webhook']), id: z.string(), type: z.string() }),
      at: z.iso.datetime({ offset: true }),
    }),
  ),
});
export type PaymentView = z.infer<typeof PaymentView>;

/**
 * An order's payment: GET /me/payments?orderId=... for the shopper who paid (another user's is a 404),
 * GET /admin/payments?orderId=... for the shop's admins and operators.
 */
export function registerPaymentRoutes(app: HttpApp, { dataSource }: Pick<ServiceContext, 'dataSource'>): void {
  const routes = [
    { path: '/me/payments', access: 'signed-in', payer: (request: FastifyRequest) => callerOf(request).userId },
    { path: '/admin/payments', access: staff(Role.Admin, Role.Operator), payer: () => undefined },
  ] as const;
  for (const { path, access, payer } of routes) {
    app.get(
      path,
      { config: { access }, schema: { querystring: PaymentQuery, response: { 200: PaymentView } } },
      async (request): Promise<PaymentView> => {
        const found = await findPaymentWithLedger(dataSource.manager, request.query.orderId);
        const owner = payer(request);
        if (!found || (owner !== undefined && found.payment.userId !== owner)) {
          throw HttpProblem.notFound(`order ${request.query.orderId} has no payment`);
        }
        return paymentView(found);
      },
    );
  }
}

function paymentView({
  payment,
  ledger,
  history,
}: NonNullable<Awaited<ReturnType<typeof findPaymentWithLedger>>>): PaymentView {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    provider: payment.provider,
    providerRef: payment.providerRef,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    failure:
      payment.failureCode === null || payment.failureMessage === null
        ? null
        : { code: payment.failureCode, message: payment.failureMessage },
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
    nextAction: payment.nextAction,
    ledger: ledger.map((entry) => ({ kind: entry.kind, amount: entry.amount, at: entry.at.toISOString() })),
    history: history.map((change) => ({
      status: change.status,
      cause: { kind: change.causeKind, id: change.causeId, type: change.causeType },
      at: change.at.toISOString(),
    })),
  };
}
