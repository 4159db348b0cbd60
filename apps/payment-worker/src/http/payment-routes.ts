import { z } from 'zod';
import { Cents, Failure } from '@saga/contracts';
import { HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { LedgerKind, PaymentStatus, ProviderName } from '../domain/payment-codes';
import { findPaymentWithLedger } from '../domain/payments';

const PaymentQuery = z.object({ orderId: z.uuid() });

/** An order's payment with every ledger entry; a tombstone shows as VOIDED with no provider. */
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
  ledger: z.array(z.object({ kind: z.enum(LedgerKind), amount: Cents, at: z.iso.datetime({ offset: true }) })),
});
export type PaymentView = z.infer<typeof PaymentView>;

/** GET /payments?orderId=... */
export function registerPaymentRoutes(app: HttpApp, { dataSource }: Pick<ServiceContext, 'dataSource'>): void {
  app.get(
    '/payments',
    { schema: { querystring: PaymentQuery, response: { 200: PaymentView } } },
    async (request): Promise<PaymentView> => {
      const found = await findPaymentWithLedger(dataSource.manager, request.query.orderId);
      if (!found) throw HttpProblem.notFound(`order ${request.query.orderId} has no payment`);
      const { payment, ledger } = found;
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
        ledger: ledger.map((entry) => ({ kind: entry.kind, amount: entry.amount, at: entry.at.toISOString() })),
      };
    },
  );
}
