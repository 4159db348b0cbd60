import type { Currency, PricedItem, RefundRequested } from '@saga/contracts';

/** What a refund saga starts from: the refund order-api recorded. */
export interface RefundSagaInput {
  readonly refundId: string;
  readonly orderId: string;
  readonly userId: string;
  /** The lines given back, at the prices they were sold at. */
  readonly items: readonly PricedItem[];
  readonly amount: number;
  readonly currency: Currency;
}

/** The saga's input from the order.refund-requested event. */
export function refundSagaInputOf(requested: RefundRequested): RefundSagaInput {
  return {
    refundId: requested.refundId,
    orderId: requested.orderId,
    userId: requested.userId,
    items: requested.items,
    amount: requested.amount,
    currency: requested.currency,
  };
}
