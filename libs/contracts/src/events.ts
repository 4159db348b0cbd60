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

/** A saga stopped trying and needs a person: where, and why. */
export const SagaStalled = z.object({
  sagaId: z.uuid(),
  definition: z.string().min(1),
  correlationId: z.string().min(1),
  stepId: z.string().min(1),
  phase: z.enum(['action', 'compensation']),
  reason: z.string().min(1),
});
export type SagaStalled = z.infer<typeof SagaStalled>;

/** An operator resumed a stalled saga. */
export const SagaResumed = z.object({
  sagaId: z.uuid(),
  definition: z.string().min(1),
  correlationId: z.string().min(1),
  stepId: z.string().min(1),
});
export type SagaResumed = z.infer<typeof SagaResumed>;

/** Facts published on the events exchange, by type (which is also the routing key). */
export const eventContracts = {
  'order.placed': { schemaVersion: 1, payload: OrderPlaced },
  'order.completed': { schemaVersion: 1, payload: OrderCompleted },
  'order.failed': { schemaVersion: 1, payload: OrderFailed },
  'saga.stalled': { schemaVersion: 1, payload: SagaStalled },
  'saga.resumed': { schemaVersion: 1, payload: SagaResumed },
} as const;
export type EventType = keyof typeof eventContracts;
