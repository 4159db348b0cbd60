import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OrderItem, orderPlaced, PaymentMethod, paymentMethodProvided } from '@saga/contracts';
import { eventMessage, type MessagingTransaction } from '@saga/outbox';
import { deleteOldRows, type RetentionRule } from '@saga/persistence';
import { IdempotencyKey } from './idempotency-key.entity';
import { OrderLine } from './order-line.entity';
import { Order } from './order.entity';
import { OrderStatus } from './order-status';

/** The body of POST /me/orders: explicit items or the shopper's cart, and how to pay. */
export const PlaceOrderBody = z
  .object({
    items: z.array(OrderItem).min(1).max(100).optional(),
    fromCart: z.literal(true).optional(),
    payment: PaymentMethod,
  })
  .superRefine((body, ctx) => {
    if (body.items && body.fromCart) {
      ctx.addIssue({ code: 'custom', path: ['fromCart'], message: 'give either items or fromCart, not both' });
    }
    if (!body.items && !body.fromCart) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'give the items to order, or fromCart: true' });
    }
    const ids = body.items?.map((i) => i.productId) ?? [];
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'list each productId once' });
    }
  });
export type PlaceOrderBody = z.infer<typeof PlaceOrderBody>;

/** An order as placed: the body, for the user whose token placed it. */
export type PlaceOrderRequest = PlaceOrderBody & { readonly userId: string };

/** What POST /me/orders answers: the order is accepted, its outcome comes later. */
export interface OrderAccepted {
  readonly orderId: string;
  readonly status: OrderStatus;
}

/** Thrown when an Idempotency-Key comes back with another request than the one it was first used with. */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency-Key ${idempotencyKey} was already used with another request body`);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * Records a PENDING order and, in the same transaction, the order.placed event that starts its saga.
 * With an Idempotency-Key, a retry by the same user within the key's time gets the first answer back
 * and places nothing; the same key with another body is refused. Another user's key is another key.
 */
export async function placeOrder(
  tx: MessagingTransaction,
  request: PlaceOrderRequest,
  idempotency: { readonly key: string; readonly ttlMs: number } | undefined,
): Promise<{ replayed: boolean; accepted: OrderAccepted }> {
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const orderId = randomUUID();
  const accepted: OrderAccepted = { orderId, status: OrderStatus.Pending };

  if (idempotency) {
    const keys = tx.manager.getRepository(IdempotencyKey);
    const ownKey = { userId: request.userId, key: idempotency.key };
    // A key past its time places a new order: it is forgotten here, before the claim.
    await keys
      .createQueryBuilder()
      .delete()
      .where('user_id = :userId AND key = :key', ownKey)
      .andWhere(`created_at < now() - make_interval(secs => :seconds)`, { seconds: idempotency.ttlMs / 1000 })
      .execute();
    // Inserting first makes a concurrent request with the same key wait for this one, then replay it.
    const claimed = await tx.manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyKey)
      .values({ ...ownKey, requestHash, responseStatus: 202, responseBody: { ...accepted } })
      .orIgnore()
      .returning(['key'])
      .execute();
    if (claimed.raw.length === 0) {
      const first = await keys.findOneByOrFail(ownKey);
      if (first.requestHash !== requestHash) {
        throw new IdempotencyKeyReusedError(idempotency.key);
      }
      return { replayed: true, accepted: first.responseBody as unknown as OrderAccepted };
    }
  }

  await tx.manager.getRepository(Order).insert({
    id: orderId,
    userId: request.userId,
    status: OrderStatus.Pending,
    source: request.fromCart ? 'cart' : 'items',
    paymentMethod: request.payment.method,
  });
  if (request.items) {
    await tx.manager
      .getRepository(OrderLine)
      .insert(request.items.map((item) => ({ orderId, productId: item.productId, quantity: item.quantity })));
  }
  const ids = { sagaId: null, correlationId: orderId, causationId: null };
  tx.send(
    eventMessage(
      orderPlaced,
      {
        orderId,
        userId: request.userId,
        source: request.fromCart ? 'cart' : 'items',
        items: request.items,
        paymentMethod: { method: request.payment.method },
      },
      ids,
    ),
  );
  // The card's token goes to the payment worker alone, never through the saga and its log.
  if (request.payment.method === 'card') {
    tx.send(
      eventMessage(paymentMethodProvided, { orderId, userId: request.userId, paymentMethod: request.payment }, ids),
    );
  }
  return { replayed: false, accepted };
}

/** A key is no use once it no longer answers: its row goes with the next retention pass. */
export function expiredIdempotencyKeys(ttlMs: number): RetentionRule {
  return deleteOldRows({
    name: 'idempotency keys',
    retentionMs: ttlMs,
    table: 'idempotency_keys',
    olderThan: 'created_at',
  });
}
