import { randomUUID } from 'node:crypto';
import { plannedFor, NotificationKind } from '../domain/notification-kinds';
import { MailTemplates } from './templates';

const templates = new MailTemplates({ shopUrl: 'https://shop.example', inventoryUrl: 'https://inventory.example' });

function event(type: string, payload: unknown) {
  return {
    messageId: randomUUID(),
    type,
    schemaVersion: 1,
    sagaId: null,
    correlationId: 'c',
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload,
  };
}

describe('the e-mail templates', () => {
  const orderId = randomUUID();

  it("write a completed order's lines, prices and total for a person, in HTML and in plain text", () => {
    const [planned] = plannedFor(
      event('order.completed', {
        orderId,
        userId: 'alice',
        items: [
          { productId: randomUUID(), quantity: 2, name: 'Copper Kettle', unitPrice: 4900 },
          { productId: randomUUID(), quantity: 1, name: 'Tea', unitPrice: 700 },
        ],
        total: 10500,
      }),
    );
    expect(planned).toMatchObject({
      kind: NotificationKind.OrderCompleted,
      audience: { role: 'shopper', userId: 'alice' },
    });

    const mail = templates.render(planned.kind, { ...planned.data, greeting: 'Alice' });

    expect(mail.subject).toBe(`Your order ${orderId} is on its way`);
    expect(mail.text).toContain('Hello Alice,');
    expect(mail.text).toContain('2 x Copper Kettle  $49.00 each  $98.00');
    expect(mail.text).toContain('Total  $105.00');
    expect(mail.text).toContain(`https://shop.example/me/orders/${orderId}`);
    expect(mail.html).toContain('<td>Copper Kettle</td>');
    expect(mail.html).toContain('<strong>$105.00</strong>');
  });

  it("write a failed order's reason, and a refund as partial or full with the amount", () => {
    const [failed] = plannedFor(
      event('order.failed', { orderId, userId: 'bob', code: 'card_declined', reason: 'Your card was declined.' }),
    );
    expect(templates.render(failed.kind, { ...failed.data, greeting: 'bob' }).text).toContain(
      'Why: Your card was declined.',
    );

    const refund = (orderStatus: string) =>
      plannedFor(
        event('order.refunded', {
          refundId: randomUUID(),
          orderId,
          userId: 'bob',
          items: [{ productId: randomUUID(), quantity: 1 }],
          amount: 4900,
          currency: 'USD',
          orderStatus,
        }),
      )[0];
    const partial = refund('PARTIALLY_REFUNDED');
    const full = refund('REFUNDED');
    expect(
      templates.render(partial.kind, { ...partial.data, greeting: 'bob', items: [{ quantity: 1, name: 'Kettle' }] }),
    ).toMatchObject({ subject: `Part of your order ${orderId} was refunded: $49.00` });
    expect(
      templates.render(full.kind, { ...full.data, greeting: 'bob', items: [{ quantity: 1, name: 'Kettle' }] }).text,
    ).toContain(`your order ${orderId} was refunded in full: $49.00`);
  });

  it('send a stalled saga to the operators and low stock to the shop, with what to do', () => {
    const sagaId = randomUUID();
    const [stalled] = plannedFor(
      event('saga.stalled', {
        sagaId,
        definition: 'order-saga',
        correlationId: orderId,
        stepId: 'clear-cart',
        phase: 'action',
        reason: 'cart.clear failed 3 times',
      }),
    );
    expect(stalled.audience).toEqual({ role: 'operators' });
    expect(templates.render(stalled.kind, { ...stalled.data, greeting: 'operators' }).text).toContain(
      `saga show ${sagaId}`,
    );

    const productId = randomUUID();
    const [low] = plannedFor(event('inventory.low-stock', { productId, name: 'Kettle', available: 2, threshold: 5 }));
    expect(low.audience).toEqual({ role: 'shop' });
    const mail = templates.render(low.kind, { ...low.data, greeting: 'shop' });
    expect(mail.subject).toBe('Low stock: Kettle (2 left)');
    expect(mail.text).toContain(`POST https://inventory.example/admin/products/${productId}/restock`);
  });

  it('escape markup in the HTML body and keep a subject to one line, whatever the data holds', () => {
    const hostile = 'Kettle <script>alert(1)</script>\r\nBcc: victim@example.com';
    const mail = templates.render(NotificationKind.LowStock, {
      productId: randomUUID(),
      name: hostile,
      available: 1,
      threshold: 5,
      greeting: 'shop',
    });

    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('refuse an event the worker does not take, as an invalid message', () => {
    expect(() => plannedFor(event('order.placed', {}))).toThrow(/takes no order.placed/);
    expect(() => plannedFor(event('order.completed', { orderId: 'x' }))).toThrow();
  });
});
