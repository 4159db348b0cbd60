/** The states a shopper sees. */
export const OrderStatus = {
  Pending: 'PENDING',
  Processing: 'PROCESSING',
  Completed: 'COMPLETED',
  Failed: 'FAILED',
  /** Some of a completed order's lines were refunded. */
  PartiallyRefunded: 'PARTIALLY_REFUNDED',
  /** Every line of a completed order was refunded. */
  Refunded: 'REFUNDED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** Whether the order was completed: paid and its stock taken (refunds since included). */
export function wasCompleted(status: OrderStatus): boolean {
  return (
    status === OrderStatus.Completed || status === OrderStatus.PartiallyRefunded || status === OrderStatus.Refunded
  );
}
