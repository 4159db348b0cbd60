import { z } from 'zod';
import { Cents, Currency, EmptyResult, PaymentMethodChoice, UserId } from '../common';
import { defineCommand } from './define-command';

export const PaymentAuthorize = z.object({
  orderId: z.uuid(),
  userId: UserId,
  amount: Cents,
  currency: Currency,
  /** Card or wallet; a card's token is not here, the worker has it from order.payment-method-provided. */
  paymentMethod: PaymentMethodChoice,
});
export type PaymentAuthorize = z.infer<typeof PaymentAuthorize>;

export const PaymentAuthorized = z.object({ paymentId: z.uuid(), provider: z.string().min(1) });
export type PaymentAuthorized = z.infer<typeof PaymentAuthorized>;

export const PaymentVoid = z.object({ orderId: z.uuid() });
export type PaymentVoid = z.infer<typeof PaymentVoid>;

export const PaymentCapture = z.object({ orderId: z.uuid() });
export type PaymentCapture = z.infer<typeof PaymentCapture>;

export const PaymentCaptured = z.object({ paymentId: z.uuid(), amount: Cents });
export type PaymentCaptured = z.infer<typeof PaymentCaptured>;

/** Places a hold for the order's total on a card or a wallet. */
export const paymentAuthorize = defineCommand('payment.authorize', PaymentAuthorize, PaymentAuthorized);
/** Lets the hold go; no money moves (compensation of paymentAuthorize). */
export const paymentVoid = defineCommand('payment.void', PaymentVoid, EmptyResult);
/** Takes the held money: the saga's point of no return. */
export const paymentCapture = defineCommand('payment.capture', PaymentCapture, PaymentCaptured);

export const PaymentRefund = z.object({
  refundId: z.uuid(),
  orderId: z.uuid(),
  amount: Cents.min(1),
  currency: Currency,
});
export type PaymentRefund = z.infer<typeof PaymentRefund>;

export const PaymentRefunded = z.object({ paymentId: z.uuid(), amount: Cents, refundedInAll: Cents });
export type PaymentRefunded = z.infer<typeof PaymentRefunded>;

/** Gives captured money back, in full or in part; never more than what was captured and not yet refunded. */
export const paymentRefund = defineCommand('payment.refund', PaymentRefund, PaymentRefunded);
