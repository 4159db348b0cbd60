import type { OrderItem, OrderPlaced, PaymentMethodChoice } from '@saga/contracts';

/** What an order saga starts from: the placed order. */
export interface OrderSagaInput {
  readonly orderId: string;
  readonly userId: string;
  readonly source: 'items' | 'cart';
  /** The order's items; none yet for an order from a cart, whose checkout step takes them. */
  readonly items: readonly OrderItem[];
  readonly paymentMethod: PaymentMethodChoice;
}

/** What the cart steps read: whose order it is, and whether it came from their cart. */
export type OrderShopper = Pick<OrderSagaInput, 'orderId' | 'userId' | 'source'>;

/** The saga's input from the order.placed event. */
export function orderSagaInputOf(placed: OrderPlaced): OrderSagaInput {
  return {
    orderId: placed.orderId,
    userId: placed.userId,
    source: placed.source,
    items: placed.items ?? [],
    paymentMethod: placed.paymentMethod,
  };
}
