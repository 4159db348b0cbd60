import type { Currency, OrderItem, PaymentMethod, PricedItem } from '@saga/contracts';
import { stepsOf } from '../engine/step';

/** What the order saga knows; each step's result adds to it. */
export interface OrderSagaContext {
  readonly orderId: string;
  readonly userId: string;
  readonly source: 'items' | 'cart';
  readonly paymentMethod: PaymentMethod;
  /** Given with the order, or taken from the cart at checkout. */
  readonly items?: readonly OrderItem[];
  readonly cartId?: string;
  readonly reservationId?: string;
  readonly pricedItems?: readonly PricedItem[];
  readonly total?: number;
  readonly currency?: Currency;
  readonly paymentId?: string;
}

export const orderSagaSteps = stepsOf<OrderSagaContext>();

/** A value an earlier step must have put into the context; its absence is a bug in the definition. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`order saga context has no ${name} yet`);
  return value;
}
