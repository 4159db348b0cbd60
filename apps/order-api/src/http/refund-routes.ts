import { z } from 'zod';
import { Cents, Currency, PricedItem } from '@saga/contracts';
import type { FastifyRequest } from 'fastify';
import { Role, staff, type Access } from '@saga/identity';
import {
  callerOf,
  HttpProblem,
  idempotencyKeyOf,
  IdempotencyKeyHeaders,
  type HttpApp,
  type ServiceContext,
} from '@saga/runtime';
import { IdempotencyKeyReusedError } from '../domain/place-order';
import { Refund, RefundStatus } from '../domain/refund.entity';
import { RefundRefusedError, RefundRequest, requestRefund } from '../domain/request-refund';
import { findOrder } from './order-routes';

const OrderIdParams = z.object({ id: z.uuid() });
const RefundParams = OrderIdParams.extend({ refundId: z.uuid() });

/** A refund as GET /me/orders/:id/refunds/:refundId shows it. */
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

/** Who a set of refund routes serves: the shopper's own orders, or the shop's view of every order. */
interface RefundAudience {
  readonly prefix: '/me' | '/admin';
  readonly ask: Access;
  readonly read: Access;
  /** Whose orders the caller may act on; undefined: anyone's. */
  readonly owner: (request: FastifyRequest) => string | undefined;
}

const audiences: readonly RefundAudience[] = [
  { prefix: '/me', ask: 'signed-in', read: 'signed-in', owner: (request) => callerOf(request).userId },
  { prefix: '/admin', ask: staff(Role.Admin), read: staff(Role.Admin, Role.Operator), owner: () => undefined },
];

/**
 * Refunds of completed orders: POST asks for one (202, its outcome at its Location), GET reads one or
 * all of an order's. A shopper asks for and reads refunds of their own orders under /me; the shop's
 * admins refund any order under /admin. A refund runs as its own saga: money back, stock back on sale,
 * order marked.
 */
export function registerRefundRoutes(
  app: HttpApp,
  { messaging, dataSource }: Pick<ServiceContext, 'messaging' | 'dataSource'>,
): void {
  for (const { prefix, ask, read, owner } of audiences) {
    app.post(
      `${prefix}/orders/:id/refunds`,
      {
        config: { access: ask },
        schema: {
          params: OrderIdParams,
          headers: IdempotencyKeyHeaders,
          body: RefundRequest,
          response: { 202: RefundView },
        },
      },
      async (request, reply) => {
        await findOrder(dataSource, request.params.id, owner(request));
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
          .header('Location', `${prefix}/orders/${refund.orderId}/refunds/${refund.id}`)
          .header('Retry-After', '1')
          .send(refundView(refund));
      },
    );

    app.get(
      `${prefix}/orders/:id/refunds`,
      {
        config: { access: read },
        schema: { params: OrderIdParams, response: { 200: z.object({ refunds: z.array(RefundView) }) } },
      },
      async (request) => {
        await findOrder(dataSource, request.params.id, owner(request));
        const refunds = await dataSource
          .getRepository(Refund)
          .find({ where: { orderId: request.params.id }, order: { createdAt: 'ASC' } });
        return { refunds: refunds.map(refundView) };
      },
    );

    app.get(
      `${prefix}/orders/:id/refunds/:refundId`,
      { config: { access: read }, schema: { params: RefundParams, response: { 200: RefundView } } },
      async (request) => {
        await findOrder(dataSource, request.params.id, owner(request));
        const refund = await dataSource
          .getRepository(Refund)
          .findOneBy({ id: request.params.refundId, orderId: request.params.id });
        if (!refund) throw HttpProblem.notFound(`order ${request.params.id} has no refund ${request.params.refundId}`);
        return refundView(refund);
      },
    );
  }
}
