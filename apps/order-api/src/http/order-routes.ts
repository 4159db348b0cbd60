import { z } from 'zod';
import { UserId } from '@saga/contracts';
import { HttpProblem, idempotencyKeyOf, IdempotencyKeyHeaders, type HttpApp, type ServiceContext } from '@saga/runtime';
import { Order } from '../domain/order.entity';
import { toOrderView, OrderView } from '../domain/order-view';
import { IdempotencyKeyReusedError, PlaceOrderRequest, placeOrder } from '../domain/place-order';

const OrderIdParams = z.object({ id: z.uuid() });
const ListQuery = z.object({
  userId: UserId,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const Accepted = z.object({ orderId: z.uuid(), status: z.string() });

/** The shopper-facing order API: place an order, read it, list a user's orders. */
export function registerOrderRoutes(
  app: HttpApp,
  {
    messaging,
    dataSource,
    idempotencyKeyTtlMs,
  }: Pick<ServiceContext, 'messaging' | 'dataSource'> & { readonly idempotencyKeyTtlMs: number },
): void {
  app.post(
    '/orders',
    { schema: { body: PlaceOrderRequest, headers: IdempotencyKeyHeaders, response: { 202: Accepted } } },
    async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      const { accepted, replayed } = await messaging
        .transaction((tx) =>
          placeOrder(tx, request.body, key === undefined ? undefined : { key, ttlMs: idempotencyKeyTtlMs }),
        )
        .catch((error: unknown) => {
          if (error instanceof IdempotencyKeyReusedError) throw HttpProblem.unprocessable(error.message);
          throw error;
        });
      if (replayed) reply.header('Idempotent-Replayed', 'true');
      return reply
        .status(202)
        .header('Location', `/orders/${accepted.orderId}`)
        .header('Retry-After', '1')
        .send(accepted);
    },
  );

  app.get('/orders/:id', { schema: { params: OrderIdParams, response: { 200: OrderView } } }, async (request) => {
    const order = await dataSource
      .getRepository(Order)
      .findOne({ where: { id: request.params.id }, relations: { lines: true } });
    if (!order) throw HttpProblem.notFound(`order ${request.params.id} does not exist`);
    return toOrderView(order);
  });

  app.get(
    '/orders',
    { schema: { querystring: ListQuery, response: { 200: z.object({ orders: z.array(OrderView) }) } } },
    async (request) => {
      const orders = await dataSource.getRepository(Order).find({
        where: { userId: request.query.userId },
        relations: { lines: true },
        order: { createdAt: 'DESC' },
        take: request.query.limit,
      });
      return { orders: orders.map(toOrderView) };
    },
  );
}
