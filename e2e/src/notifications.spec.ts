import { randomUUID } from 'node:crypto';
import { Exchange, namespaced, brokerUserName, ServiceName } from '@saga/contracts';
import { publishRaw, waitFor } from '@saga/testing';
import { Shop, user } from './harness/shop';
import { operator, shopAdmin, SystemUnderTest, type ReceivedMail } from './harness/system-under-test';

/** A notification as the history shows it. */
interface NotificationView {
  readonly eventId: string;
  readonly kind: string;
  readonly recipient: string | null;
  readonly subject: string;
  readonly messageId: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly orderId: string | null;
}

describe('e-mail for what happened, through real SMTP to the mail sink', () => {
  let sut: SystemUnderTest;
  let shop: Shop;

  beforeAll(async () => {
    sut = await SystemUnderTest.start({
      // As many retries as the topology has queues for, long enough to outlast a sink down for a couple of seconds.
      appEnv: { 'notification-worker': { RETRY_DELAYS_MS: '800,1600,3200' } },
    });
    shop = new Shop(sut);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const mails = (to?: string) => sut.mails(to);

  async function mailsAbout(to: string, needle: string, count = 1): Promise<ReceivedMail[]> {
    return waitFor(
      async () => {
        const found = (await mails(to)).filter((mail) => mail.subject.includes(needle) || mail.text.includes(needle));
        return found.length >= count && found;
      },
      { timeoutMs: 30_000, description: `${count} e-mail(s) to ${to} about ${needle}` },
    );
  }

  async function shopperWithProfile(name: string): Promise<{ userId: string; email: string }> {
    const userId = user(name);
    const email = `${userId}@example.test`;
    const saved = await sut.http('notification-worker', 'PUT', '/me/profile', {
      as: userId,
      body: { email, name: name.charAt(0).toUpperCase() + name.slice(1) },
    });
    expect(saved.status).toBe(200);
    return { userId, email };
  }

  async function notificationsOf(userId: string): Promise<NotificationView[]> {
    const { body } = await sut.http<{ notifications: NotificationView[] }>(
      'notification-worker',
      'GET',
      '/me/notifications',
      {
        as: userId,
      },
    );
    return body.notifications;
  }

  /** Lets in-flight deliveries land, so a count that should stay at one is seen after any repeat would be. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

  it("mails a completed order to its shopper, once: the items, the total, the order's link", async () => {
    const kettle = await shop.product('Kettle', 2500, 50);
    const { userId, email } = await shopperWithProfile('ada');
    await shop.wallet(userId, 10_000);

    const orderId = await shop.order({
      userId,
      items: [{ productId: kettle.id, quantity: 2 }],
      payment: { method: 'wallet' },
    });
    expect((await sut.settledOrder(orderId)).status).toBe('COMPLETED');

    const [mail] = await mailsAbout(email, orderId);
    expect(mail.to).toEqual([email]);
    expect(mail.from).toContain('shop@saga.local');
    expect(mail.subject).toBe(`Your order ${orderId} is on its way`);
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain('2 x Kettle  $25.00 each  $50.00');
    expect(mail.text).toContain('Total  $50.00');
    expect(mail.html).toContain('<td>Kettle</td>');

    const [notification] = await notificationsOf(userId);
    expect(notification).toMatchObject({
      kind: 'order-completed',
      recipient: email,
      status: 'sent',
      attempts: 1,
      orderId,
      messageId: `<${notification.eventId}.order-completed@saga.local>`,
    });
    expect(mail.messageId).toBe(notification.messageId);
    await settle();
    expect(await mails(email)).toHaveLength(1);
    // Another shopper sees none of it; an operator sees it among everyone's.
    expect(await notificationsOf(user('eve'))).toEqual([]);
    const { body } = await sut.http<{ notifications: NotificationView[] }>(
      'notification-worker',
      'GET',
      `/admin/notifications?orderId=${orderId}`,
      { as: operator },
    );
    expect(body.notifications.map((n) => n.kind)).toEqual(['order-completed']);
  });

  it('mails a failed order with its reason, and a refund as partial with the amount and the items', async () => {
    const mug = await shop.product('Mug', 1200, 50);
    const { userId, email } = await shopperWithProfile('bo');
    await shop.wallet(userId, 10_000);

    const declined = await shop.order({
      userId,
      items: [{ productId: mug.id, quantity: 1 }],
      payment: { method: 'card', token: 'pm_card_chargeDeclined' },
    });
    expect((await sut.settledOrder(declined)).status).toBe('FAILED');
    const [failed] = await mailsAbout(email, declined);
    expect(failed.subject).toBe(`Your order ${declined} could not be completed`);
    expect(failed.text).toContain('Why: Your card was declined.');

    const orderId = await shop.order({
      userId,
      items: [{ productId: mug.id, quantity: 3 }],
      payment: { method: 'wallet' },
    });
    expect((await sut.settledOrder(orderId)).status).toBe('COMPLETED');
    const asked = await sut.http<{ refundId: string }>('order-api', 'POST', `/admin/orders/${orderId}/refunds`, {
      as: shopAdmin,
      body: { items: [{ productId: mug.id, quantity: 1 }], reason: 'one arrived chipped' },
    });
    expect(asked.status).toBe(202);

    const [refunded] = await mailsAbout(email, 'refunded');
    expect(refunded.subject).toBe(`Part of your order ${orderId} was refunded: $12.00`);
    expect(refunded.text).toContain('1 x Mug');
    expect(refunded.text).toContain(`/me/orders/${orderId}/refunds/${asked.body.refundId}`);
  });

  it('tells the shop when a product runs low, once per fall below its threshold', async () => {
    const lamp = await shop.product('Lamp', 3000, 7);
    const { userId } = await shopperWithProfile('cy');
    await shop.wallet(userId, 100_000);

    for (const quantity of [1, 2, 1]) {
      const orderId = await shop.order({
        userId,
        items: [{ productId: lamp.id, quantity }],
        payment: { method: 'wallet' },
      });
      await sut.settledOrder(orderId);
    }

    const [low] = await mailsAbout('shop@saga.local', lamp.id);
    expect(low.subject).toBe('Low stock: Lamp (4 left)');
    await settle();
    expect((await mails('shop@saga.local')).filter((mail) => mail.text.includes(lamp.id))).toHaveLength(1);
  });

  it('sends nothing twice for an event delivered twice', async () => {
    const { userId, email } = await shopperWithProfile('di');
    const orderId = randomUUID();
    const event = {
      messageId: randomUUID(),
      type: 'order.failed',
      schemaVersion: 1,
      sagaId: randomUUID(),
      correlationId: orderId,
      causationId: null,
      occurredAt: new Date().toISOString(),
      payload: { orderId, userId, code: 'out_of_stock', reason: 'Lamp is out of stock.' },
    };
    const asOrderApi = {
      userId: brokerUserName(sut.infra.namespace, ServiceName.OrderApi),
      messageId: event.messageId,
    };
    for (let copy = 0; copy < 2; copy++) {
      await publishRaw(sut.infra.amqpUrl, {
        exchange: namespaced(sut.infra.namespace, Exchange.Events),
        routingKey: 'order.failed',
        content: JSON.stringify(event),
        properties: { ...asOrderApi, type: 'order.failed', contentType: 'application/json' },
      });
    }

    await mailsAbout(email, orderId);
    await settle();
    expect(await mails(email)).toHaveLength(1);
    expect(await notificationsOf(userId)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('loses nothing and sends nothing twice while the SMTP server is down for a while', async () => {
    const tea = await shop.product('Tea', 700, 100);
    const { userId, email } = await shopperWithProfile('flo');
    await shop.wallet(userId, 10_000);
    const sink = sut.system.apps['mail-sink'];

    await sink.stop();
    const orders = [];
    for (let i = 0; i < 3; i++) {
      orders.push(
        await shop.order({ userId, items: [{ productId: tea.id, quantity: 1 }], payment: { method: 'wallet' } }),
      );
    }
    for (const orderId of orders) await sut.settledOrder(orderId);
    // Refused while it is down: each notification waits in the retry queues, its error on the row.
    const waiting = await waitFor(
      async () => {
        const all = await notificationsOf(userId);
        return all.length === 3 && all.every((n) => n.status === 'queued' && n.attempts >= 1) && all;
      },
      { description: 'the three notifications waiting for the SMTP server' },
    );
    expect(waiting[0].lastError).toMatch(/^SMTP: /);
    await sink.start();

    for (const orderId of orders) await mailsAbout(email, orderId);
    await settle();
    expect(await mails(email)).toHaveLength(3);
    expect((await notificationsOf(userId)).map((n) => n.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it("sends a killed worker's accepted e-mail again with the same Message-ID, so the mailbox keeps one", async () => {
    const pen = await shop.product('Pen', 300, 100);
    const { userId, email } = await shopperWithProfile('gus');
    await shop.wallet(userId, 10_000);
    const sinkUrl = sut.system.url('mail-sink');
    const faults = (body: object) =>
      fetch(`${sinkUrl}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    // The sink keeps the message but does not answer the final 250: the worker never hears it was accepted.
    await faults({ holdAfterAccept: true });
    const orderId = await shop.order({
      userId,
      items: [{ productId: pen.id, quantity: 1 }],
      payment: { method: 'wallet' },
    });
    const [first] = await mailsAbout(email, orderId);
    await sut.system.apps['notification-worker'].kill();
    await faults({ holdAfterAccept: false });
    await sut.system.apps['notification-worker'].start();

    const copies = await mailsAbout(email, orderId, 2);
    expect(copies.map((mail) => mail.messageId)).toEqual([first.messageId, first.messageId]);
    const [notification] = await waitFor(
      async () => {
        const all = await notificationsOf(userId);
        return all[0]?.status === 'sent' && all;
      },
      { description: 'the notification marked sent' },
    );
    expect(notification.messageId).toBe(first.messageId);
    await settle();
    expect(new Set((await mails(email)).map((mail) => mail.messageId)).size).toBe(1);
  });
});
