import { z } from 'zod';
import type { Order } from './order.entity';

/** An order as GET /orders shows it. */
export const OrderView = z.object({
  id: z.uuid(),
  userId: z.string(),
  status: z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED']),
  source: z.enum(['items', 'cart']),
  paymentMethod: z.enum(['card', 'wallet']),
  items: z.array(
    z.object({
      productId: z.uuid(),
      quantity: z.int(),
      name: z.string().nullable(),
      unitPrice: z.int().nullable(),
      /** How many of this line refunds have taken, requested or done. */
      refundedQuantity: z.int(),
    }),
  ),
  total: z.int().nullable(),
  currency: z.string().nullable(),
  failure: z.object({ code: z.string(), reason: z.string() }).nullable(),
  /** While the order's saga waits for a person: why, and since when. */
  attention: z.object({ reason: z.string(), since: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.infer<typeof OrderView>;

/** The view of an order loaded with its lines. */
export function toOrderView(order: Order): OrderView {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    source: order.source,
    paymentMethod: order.paymentMethod,
    items: [...order.lines]
      .sort((a, b) => a.productId.localeCompare(b.productId))
      .map((l) => ({
        productId: l.productId,
        quantity: l.quantity,
        name: l.name,
        unitPrice: l.unitPrice,
        refundedQuantity: l.refundedQuantity,
      })),
    total: order.total,
    currency: order.currency,
    failure:
      order.status === 'FAILED' ? { code: order.failureCode ?? 'unknown', reason: order.failureReason ?? '' } : null,
    attention:
      order.attentionReason && order.attentionSince
        ? { reason: order.attentionReason, since: order.attentionSince.toISOString() }
        : null,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
