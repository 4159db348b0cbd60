import { z } from 'zod';
import { Cents, Currency, PricedItem } from '@saga/contracts';
import { HttpProblem, idempotencyKeyOf, IdempotencyKeyHeaders, type HttpApp, type ServiceContext } from '@saga/runtime';
import { IdempotencyKeyReusedError } from '../domain/place-order';
import { Refund, RefundStatus } from '../domain/refund.entity';
import { RefundRefusedError, RefundRequest, requestRefund } from '../domain/request-refund';

const OrderIdParams = z.object({ id: z.uuid() });
const RefundParams = OrderIdParams.extend({ refundId: z.uuid() });

/** A refund as GET /orders/:id/refunds/:refundId shows it. */
const RefundView = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  status: z.enum(RefundStatus),
  items: z.array(PricedItem),
  amount: Cents,
  currency: Currency,
  reason: z.string(),
  failure: z.object({ code: z.string(), reason: z.string() }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
type RefundView = z.infer<typeof RefundView>;

function refundView(refund: Refund): RefundView {
  return {
    refundId: refund.id,
    orderId: refund.orderId,
    status: refund.status,
    items: refund.items,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason,
    failure:
      refund.failureReason === null ? null : { code: refund.failureCode ?? 'failed', reason: refund.failureReason },
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString(),
  };
}

/**
 * Refunds of completed orders: POST asks for one (202, its outcome at its Location), GET reads one or
 * all of an order's. A refund runs as its own saga: money back, stock back on sale, order marked.
 */
export function registerRefundRoutes(
  app: HttpApp,
  { messaging, dataSource }: Pick<ServiceContext, 'messaging' | 'dataSource'>,
): void {
  app.post(
    '/orders/:id/refunds',
    {
      schema: {
        params: OrderIdParams,
        headers: IdempotencyKeyHeaders,
        body: RefundRequest,
        response: { 202: RefundView },
      },
    },
    async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      const { refund, replayed } = await messaging
        .transaction((tx) => requestRefund(tx, request.params.id, request.body, key))
        .catch((error: unknown) => {
          if (error instanceof IdempotencyKeyReusedError) throw HttpProblem.unprocessable(error.message);
          if (error instanceof RefundRefusedError) {
            throw HttpProblem.of(error.status, error.message, error.field ? { field: error.field } : {});
          }
          throw error;
        });
      if (replayed) reply.header('Idempotent-Replayed', 'true');
      return reply
        .status(202)
        .header('Location', `/orders/${refund.orderId}/refunds/${refund.id}`)
        .header('Retry-After', '1')
        .send(refundView(refund));
    },
  );

  app.get(
    '/orders/:id/refunds',
    { schema: { params: OrderIdParams, response: { 200: z.object({ refunds: z.array(RefundView) }) } } },
    async (request) => {
      const refunds = await dataSource
        .getRepository(Refund)
        .find({ where: { orderId: request.params.id }, order: { createdAt: 'ASC' } });
      return { refunds: refunds.map(refundView) };
    },
  );

  app.get(
    '/orders/:id/refunds/:refundId',
    { schema: { params: RefundParams, response: { 200: RefundView } } },
    async (request) => {
      const refund = await dataSource
        .getRepository(Refund)
        .findOneBy({ id: request.params.refundId, orderId: request.params.id });
      if (!refund) throw HttpProblem.notFound(`order ${request.params.id} has no refund ${request.params.refundId}`);
      return refundView(refund);
    },
  );
}
