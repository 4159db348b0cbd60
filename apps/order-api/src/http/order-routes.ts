import { z } from 'zod';
import { UserId } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import {
  callerOf,
  HttpProblem,
  idempotencyKeyOf,
  IdempotencyKeyHeaders,
  RateLimit,
  type HttpApp,
  type ServiceContext,
} from '@saga/runtime';
import type { DataSource } from 'typeorm';
import { Order } from '../domain/order.entity';
import { toOrderView, OrderView } from '../domain/order-view';
import { IdempotencyKeyReusedError, PlaceOrderBody, placeOrder } from '../domain/place-order';

const OrderIdParams = z.object({ id: z.uuid() });
const Limit = z.coerce.number().int().min(1).max(200).default(50);
const ListQuery = z.object({ limit: Limit });
const StaffListQuery = z.object({ userId: UserId, limit: Limit });
const Accepted = z.object({ orderId: z.uuid(), status: z.string() });
const OrderList = z.object({ orders: z.array(OrderView) });

/** How many orders one user, and one address, may place per minute. */
export interface OrderRateLimits {
  readonly perUser: number;
  readonly perAddress: number;
}

/**
 * The order API. Shoppers place and read their own orders under /me (another user's order is a 404);
 * the shop's admins and operators read anyone's under /admin.
 */
export function registerOrderRoutes(
  app: HttpApp,
  {
    messaging,
    dataSource,
    idempotencyKeyTtlMs,
    rateLimits,
  }: Pick<ServiceContext, 'messaging' | 'dataSource'> & {
    readonly idempotencyKeyTtlMs: number;
    readonly rateLimits: OrderRateLimits;
  },
): void {
  const perUser = new RateLimit({ what: 'orders per user', points: rateLimits.perUser, perSeconds: 60 });
  const perAddress = new RateLimit({ what: 'orders per address', points: rateLimits.perAddress, perSeconds: 60 });

  app.post(
    '/me/orders',
    {
      config: { access: 'signed-in' },
      schema: { body: PlaceOrderBody, headers: IdempotencyKeyHeaders, response: { 202: Accepted } },
    },
    async (request, reply) => {
      const { userId } = callerOf(request);
      await perUser.take(userId);
      await perAddress.take(request.ip);
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      const { accepted, replayed } = await messaging
        .transaction((tx) =>
          placeOrder(
            tx,
            { ...request.body, userId },
            key === undefined ? undefined : { key, ttlMs: idempotencyKeyTtlMs },
          ),
        )
        .catch((error: unknown) => {
          if (error instanceof IdempotencyKeyReusedError) throw HttpProblem.unprocessable(error.message);
          throw error;
        });
      if (replayed) {
        // A retry that placed nothing new is not another order.
        await Promise.all([perUser.giveBack(userId), perAddress.giveBack(request.ip)]);
        reply.header('Idempotent-Replayed', 'true');
      }
      return reply
        .status(202)
        .header('Location', `/me/orders/${accepted.orderId}`)
        .header('Retry-After', '1')
        .send(accepted);
    },
  );

  app.get(
    '/me/orders/:id',
    { config: { access: 'signed-in' }, schema: { params: OrderIdParams, response: { 200: OrderView } } },
    async (request) => toOrderView(await findOrder(dataSource, request.params.id, callerOf(request).userId)),
  );

  app.get(
    '/me/orders',
    { config: { access: 'signed-in' }, schema: { querystring: ListQuery, response: { 200: OrderList } } },
    async (request) => ({
      orders: await ordersOf(dataSource, callerOf(request).userId, request.query.limit),
    }),
  );

  app.get(
    '/admin/orders/:id',
    {
      config: { access: staff(Role.Admin, Role.Operator) },
      schema: { params: OrderIdParams, response: { 200: OrderView } },
    },
    async (request) => toOrderView(await findOrder(dataSource, request.params.id)),
  );

  app.get(
    '/admin/orders',
    {
      config: { access: staff(Role.Admin, Role.Operator) },
      schema: { querystring: StaffListQuery, response: { 200: OrderList } },
    },
    async (request) => ({ orders: await ordersOf(dataSource, request.query.userId, request.query.limit) }),
  );
}

/** The order with its lines; a 404 when there is none, or when `owner` is given and it is not theirs. */
export async function findOrder(dataSource: DataSource, id: string, owner?: string): Promise<Order> {
  const order = await dataSource
    .getRepository(Order)
    .findOne({ where: { id, ...(owner === undefined ? {} : { userId: owner }) }, relations: { lines: true } });
  if (!order) throw HttpProblem.notFound(`order ${id} does not exist`);
  return order;
}

async function ordersOf(dataSource: DataSource, userId: string, limit: number): Promise<OrderView[]> {
  const orders = await dataSource.getRepository(Order).find({
    where: { userId },
    relations: { lines: true },
    order: { createdAt: 'DESC' },
    take: limit,
  });
  return orders.map(toOrderView);
}
