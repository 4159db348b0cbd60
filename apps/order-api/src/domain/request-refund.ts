import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OrderItem, personText, refundRequested, type PricedItem } from '@saga/contracts';
import { eventMessage, type MessagingTransaction } from '@saga/outbox';
import { IdempotencyKeyReusedError } from './place-order';
import { OrderLine } from './order-line.entity';
import { lockOrder } from './order-repository';
import { OrderStatus } from './order-status';
import { Refund, RefundStatus } from './refund.entity';

/** The body of POST /orders/:id/refunds: the lines to refund (all that is left when absent), and why. */
export const RefundRequest = z
  .object({
    items: z.array(OrderItem).min(1).max(100).optional(),
    reason: personText(500),
  })
  .superRefine((body, ctx) => {
    const ids = body.items?.map((i) => i.productId.toLowerCase()) ?? [];
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'list each productId once' });
    }
  });
export type RefundRequest = z.infer<typeof RefundRequest>;

/** A refund the order cannot take, with the field of the request at fault, if one is. */
export class RefundRefusedError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RefundRefusedError';
  }
}

/**
 * Records a REQUESTED refund of a completed order and, in the same transaction, the
 * order.refund-requested event that starts its saga. The order's row lock makes concurrent requests
 * take their turn, and each line's refunded quantity (requested or done) can never pass what was
 * sold, so refunds never add up to more than was paid. With an Idempotency-Key, a retry gets the same
 * refund back; the same key with another body is refused.
 */
export async function requestRefund(
  tx: MessagingTransaction,
  orderId: string,
  request: RefundRequest,
  idempotencyKey: string | undefined,
): Promise<{ refund: Refund; replayed: boolean }> {
  const { manager } = tx;
  const order = await lockOrder(manager, orderId);
  if (!order) throw new RefundRefusedError(404, `Order ${orderId} does not exist.`);
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  if (idempotencyKey !== undefined) {
    const earlier = await manager.getRepository(Refund).findOneBy({ orderId, idempotencyKey });
    if (earlier && earlier.requestHash !== requestHash) throw new IdempotencyKeyReusedError(idempotencyKey);
    if (earlier) return { refund: earlier, replayed: true };
  }
  if (order.status !== OrderStatus.Completed && order.status !== OrderStatus.PartiallyRefunded) {
    throw new RefundRefusedError(409, `Order ${orderId} is ${order.status}; only a completed order can be refunded.`);
  }
  const lines = await manager.getRepository(OrderLine).find({ where: { orderId }, order: { productId: 'ASC' } });
  const items = refundedItems(lines, request);
  const refund = manager.getRepository(Refund).create({
    id: randomUUID(),
    orderId,
    idempotencyKey: idempotencyKey ?? null,
    requestHash,
    status: RefundStatus.Requested,
    items,
    amount: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
    currency: 'USD',
    reason: request.reason,
    failureCode: null,
    failureReason: null,
  });
  for (const item of items) {
    await manager.increment(OrderLine, { orderId, productId: item.productId }, 'refundedQuantity', item.quantity);
  }
  await manager.getRepository(Refund).insert(refund);
  tx.send(
    eventMessage(
      refundRequested,
      {
        refundId: refund.id,
        orderId,
        userId: order.userId,
        items,
        amount: refund.amount,
        currency: refund.currency,
        reason: refund.reason,
      },
      { sagaId: null, correlationId: refund.id, causationId: null },
    ),
  );
  return { refund, replayed: false };
}

/** The lines a refund takes, at their sold prices: the ones asked for, or all that is left. */
function refundedItems(lines: readonly OrderLine[], request: RefundRequest): PricedItem[] {
  const left = (line: OrderLine) => line.quantity - line.refundedQuantity;
  if (!request.items) {
    const all = lines.filter((line) => left(line) > 0).map((line) => priced(line, left(line)));
    if (all.length === 0) throw new RefundRefusedError(409, 'Every line of this order has been refunded already.');
    return all;
  }
  return request.items.map((item, i) => {
    const line = lines.find((l) => l.productId === item.productId.toLowerCase());
    if (!line) {
      throw new RefundRefusedError(422, `Product ${item.productId} is not in this order.`, `items[${i}].productId`);
    }
    if (item.quantity > left(line)) {
      throw new RefundRefusedError(
        422,
        `Only ${left(line)} of ${line.name ?? line.productId} can still be refunded; ${item.quantity} asked for.`,
        `items[${i}].quantity`,
      );
    }
    return priced(line, item.quantity);
  });
}

function priced(line: OrderLine, quantity: number): PricedItem {
  if (line.unitPrice === null || line.name === null) {
    throw new Error(`line ${line.productId} of completed order ${line.orderId} has no price`);
  }
  return { productId: line.productId, quantity, name: line.name, unitPrice: line.unitPrice };
}
