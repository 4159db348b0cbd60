import { z } from 'zod';
import { Cents, Currency, OrderItem, PaymentMethod, PaymentMethodChoice, PricedItem, UserId } from './common';

export const OrderPlaced = z.object({
  orderId: z.uuid(),
  userId: UserId,
  source: z.enum(['items', 'cart']),
  items: z.array(OrderItem).min(1).optional(),
  paymentMethod: PaymentMethodChoice,
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

/** The payment method a card order was placed with, for the payment worker alone: it holds the token. */
export const PaymentMethodProvided = z.object({
  orderId: z.uuid(),
  userId: UserId,
  paymentMethod: PaymentMethod,
});
export type PaymentMethodProvided = z.infer<typeof PaymentMethodProvided>;

export const OrderCompleted = z.object({
  orderId: z.uuid(),
  userId: UserId,
  items: z.array(PricedItem),
  total: Cents,
});
export type OrderCompleted = z.infer<typeof OrderCompleted>;

export const OrderFailed = z.object({
  orderId: z.uuid(),
  userId: UserId,
  code: z.string().min(1),
  reason: z.string().min(1),
});
export type OrderFailed = z.infer<typeof OrderFailed>;

/** A shopper or the shop asked for money back on a completed order: the refund saga starts. */
export const RefundRequested = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  userId: UserId,
  /** The lines refunded, at the prices they were sold at. */
  items: z.array(PricedItem).min(1),
  amount: Cents.min(1),
  currency: Currency,
  reason: z.string().min(1),
});
export type RefundRequested = z.infer<typeof RefundRequested>;

/** A refund went through: the money is back and the stock on sale. */
export const OrderRefunded = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  userId: UserId,
  items: z.array(OrderItem).min(1),
  amount: Cents,
  currency: Currency,
  orderStatus: z.enum(['REFUNDED', 'PARTIALLY_REFUNDED']),
});
export type OrderRefunded = z.infer<typeof OrderRefunded>;

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

/**
 * A product's available stock fell below its low-stock threshold (it was at or above it before the
 * reservation that took it below): the shop restocks. Published once per crossing.
 */
export const LowStock = z.object({
  productId: z.uuid(),
  name: z.string().min(1),
  available: z.int().min(0),
  threshold: z.int().min(1),
});
export type LowStock = z.infer<typeof LowStock>;

/** A fact published on the events exchange: its type (which is also its routing key) and payload. */
export interface EventContract<TType extends string = string, TPayload extends z.ZodType = z.ZodType> {
  readonly type: TType;
  readonly schemaVersion: number;
  readonly payload: TPayload;
}

export function defineEvent<TType extends string, TPayload extends z.ZodType>(
  type: TType,
  payload: TPayload,
  schemaVersion = 1,
): EventContract<TType, TPayload> {
  return { type, schemaVersion, payload };
}

export type EventPayload<E extends EventContract> = z.infer<E['payload']>;

/** An order was accepted; its saga starts. */
export const orderPlaced = defineEvent('order.placed', OrderPlaced);
/** The card a card order pays with, handed to the payment worker. */
export const paymentMethodProvided = defineEvent('order.payment-method-provided', PaymentMethodProvided);
export const orderCompleted = defineEvent('order.completed', OrderCompleted);
export const orderFailed = defineEvent('order.failed', OrderFailed);
export const sagaStalled = defineEvent('saga.stalled', SagaStalled);
/** A refund was asked for; the refund saga starts. */
export const refundRequested = defineEvent('order.refund-requested', RefundRequested);
export const orderRefunded = defineEvent('order.refunded', OrderRefunded);
export const sagaResumed = defineEvent('saga.resumed', SagaResumed);
export const lowStock = defineEvent('inventory.low-stock', LowStock);

/** Every event, by type. */
export const eventContracts = {
  [orderPlaced.type]: orderPlaced,
  [paymentMethodProvided.type]: paymentMethodProvided,
  [orderCompleted.type]: orderCompleted,
  [orderFailed.type]: orderFailed,
  [sagaStalled.type]: sagaStalled,
  [sagaResumed.type]: sagaResumed,
  [refundRequested.type]: refundRequested,
  [orderRefunded.type]: orderRefunded,
  [lowStock.type]: lowStock,
} as const;
export type EventType = keyof typeof eventContracts;
