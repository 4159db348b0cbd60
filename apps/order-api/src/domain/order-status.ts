/** The states a shopper sees. */
export const OrderStatus = {
  Pending: 'PENDING',
  Processing: 'PROCESSING',
  Completed: 'COMPLETED',
  Failed: 'FAILED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** An order in this state will not change again. */
export function isFinal(status: OrderStatus): boolean {
  return status === OrderStatus.Completed || status === OrderStatus.Failed;
}
