import { z } from 'zod';
import { Cents, EmptyResult, PricedItem } from '../common';
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
