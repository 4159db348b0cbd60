import { z } from 'zod';
import { Cents, EmptyResult, OrderItem, PricedItem } from '../common';
import { defineCommand } from './define-command';

export const OrderProcess = z.object({ orderId: z.uuid() });
export type OrderProcess = z.infer<typeof OrderProcess>;

export const OrderApprove = z.object({
  orderId: z.uuid(),
  items: z.array(PricedItem).min(1),
  total: Cents,
});
export type OrderApprove = z.infer<typeof OrderApprove>;

export const OrderReject = z.object({
  orderId: z.uuid(),
  code: z.string().min(1),
  reason: z.string().min(1),
  items: z.array(PricedItem).optional(),
  total: Cents.optional(),
});
export type OrderReject = z.infer<typeof OrderReject>;

/** Marks a PENDING order PROCESSING: the saga has picked it up. */
export const orderProcess = defineCommand('order.process', OrderProcess, EmptyResult);
/** Marks the order COMPLETED with its priced items. */
export const orderApprove = defineCommand('order.approve', OrderApprove, EmptyResult);
/** Marks the order FAILED with a reason a shopper can read (compensation of orderProcess). */
export const orderReject = defineCommand('order.reject', OrderReject, EmptyResult);

export const OrderOpenRefund = z.object({ refundId: z.uuid(), orderId: z.uuid() });
export type OrderOpenRefund = z.infer<typeof OrderOpenRefund>;

export const OrderFailRefund = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  code: z.string().min(1),
  reason: z.string().min(1),
});
export type OrderFailRefund = z.infer<typeof OrderFailRefund>;

export const OrderCompleteRefund = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  items: z.array(OrderItem).min(1),
  amount: Cents,
});
export type OrderCompleteRefund = z.infer<typeof OrderCompleteRefund>;

/** What the order is once a refund completed: every line refunded, or some. */
export const OrderRefundCompleted = z.object({ orderStatus: z.enum(['REFUNDED', 'PARTIALLY_REFUNDED']) });
export type OrderRefundCompleted = z.infer<typeof OrderRefundCompleted>;

/** Marks a REQUESTED refund PROCESSING: its saga has picked it up. */
export const orderOpenRefund = defineCommand('order.open-refund', OrderOpenRefund, EmptyResult);
/** Marks the refund FAILED and gives its lines back to what may still be refunded (compensation of orderOpenRefund). */
export const orderFailRefund = defineCommand('order.fail-refund', OrderFailRefund, EmptyResult);
/** Marks the refund REFUNDED and the order REFUNDED or PARTIALLY_REFUNDED. */
export const orderCompleteRefund = defineCommand('order.complete-refund', OrderCompleteRefund, OrderRefundCompleted);
