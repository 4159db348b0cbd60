import { z } from 'zod';
import { Cents, OrderItem, PaymentMethod, PricedItem } from './common';

export const OrderPlaced = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  source: z.enum(['items', 'cart']),
  items: z.array(OrderItem).min(1).optional(),
  paymentMethod: PaymentMethod,
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

export const OrderCompleted = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  items: z.array(PricedItem),
  total: Cents,
});
export type OrderCompleted = z.infer<typeof OrderCompleted>;

export const OrderFailed = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
  code: z.string().min(1),
  reason: z.string().min(1),
});
export type OrderFailed = z.infer<typeof OrderFailed>;

/** Facts published on the events exchange, by type (which is also the routing key). */
export const eventContracts = {
  'order.placed': { schemaVersion: 1, payload: OrderPlaced },
  'order.completed': { schemaVersion: 1, payload: OrderCompleted },
  'order.failed': { schemaVersion: 1, payload: OrderFailed },
} as const;
export type EventType = keyof typeof eventContracts;
