import {
  InvalidMessageError,
  LowStock,
  OrderCompleted,
  OrderFailed,
  OrderRefunded,
  SagaStalled,
  type MessageEnvelope,
} from '@saga/contracts';

/** What a notification tells, one template each (templates/<kind>.{subject,html,txt}.hbs). */
export const NotificationKind = {
  OrderCompleted: 'order-completed',
  OrderFailed: 'order-failed',
  OrderRefunded: 'order-refunded',
  SagaStalled: 'saga-stalled',
  LowStock: 'low-stock',
} as const;
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

/** Who a notification goes to: a shopper (their profile's address), the shop or the operators. */
export type Audience = { readonly role: 'shopper'; readonly userId: string } | { readonly role: 'shop' | 'operators' };

/** A notification an event calls for, before its recipient's address is looked up. */
export interface PlannedNotification {
  readonly kind: NotificationKind;
  readonly audience: Audience;
  readonly orderId: string | null;
  /** What its template is rendered with. */
  readonly data: Record<string, unknown>;
}

/** The notifications an event calls for (one each, today); throws InvalidMessageError for an event it does not take. */
export function plannedFor(envelope: MessageEnvelope): PlannedNotification[] {
  const { type, payload } = envelope;
  switch (type) {
    case 'order.completed': {
      const order = OrderCompleted.parse(payload);
      const items = order.items.map((item) => ({ ...item, lineTotal: item.unitPrice * item.quantity }));
      return [shopper(NotificationKind.OrderCompleted, order, { orderId: order.orderId, items, total: order.total })];
    }
    case 'order.failed': {
      const order = OrderFailed.parse(payload);
      return [
        shopper(NotificationKind.OrderFailed, order, {
          orderId: order.orderId,
          code: order.code,
          reason: order.reason,
        }),
      ];
    }
    case 'order.refunded': {
      const refund = OrderRefunded.parse(payload);
      return [
        shopper(NotificationKind.OrderRefunded, refund, {
          orderId: refund.orderId,
          refundId: refund.refundId,
          amount: refund.amount,
          currency: refund.currency,
          partial: refund.orderStatus === 'PARTIALLY_REFUNDED',
          items: refund.items,
        }),
      ];
    }
    case 'saga.stalled': {
      const stall = SagaStalled.parse(payload);
      return [
        { kind: NotificationKind.SagaStalled, audience: { role: 'operators' }, orderId: null, data: { ...stall } },
      ];
    }
    case 'inventory.low-stock': {
      const stock = LowStock.parse(payload);
      return [{ kind: NotificationKind.LowStock, audience: { role: 'shop' }, orderId: null, data: { ...stock } }];
    }
    default:
      throw new InvalidMessageError(`the notification worker takes no ${type}`, type);
  }
}

function shopper(
  kind: NotificationKind,
  { userId, orderId }: { userId: string; orderId: string },
  data: Record<string, unknown>,
): PlannedNotification {
  return { kind, audience: { role: 'shopper', userId }, orderId, data: { userId, ...data } };
}
