import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import {
  brokerUserName,
  deadLetterQueueName,
  Exchange,
  namespaced,
  Queues,
  ServiceName,
  type MessageEnvelope,
} from '@saga/contracts';
import { runService, type RunningService } from '@saga/runtime';
import {
  provisionTestInfrastructure,
  publishRaw,
  queueDepth,
  readQueue,
  serviceConfigFor,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { notificationWorkerService } from './notification-worker-service';

/** What the routes answer, as far as this spec reads it. */
interface Answer {
  readonly notifications: Record<string, unknown>[];
  readonly errors: { field: string }[];
}

/** One message the test SMTP server took. */
interface Taken {
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly messageId: string;
}

/** A real SMTP server in the test process that keeps what it takes, or refuses with 451 while told to. */
class TestSmtpServer {
  readonly taken: Taken[] = [];
  refusing = false;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData: (stream, _session, callback) => {
      simpleParser(stream).then(
        (mail) => {
          if (this.refusing) {
            callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
            return;
          }
          this.taken.push({
            to: [mail.to ?? []].flat().flatMap((address) => address.value.map((v) => v.address ?? '')),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? '',
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  to(address: string): Taken[] {
    return this.taken.filter((mail) => mail.to.includes(address));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('notification worker service, on real Postgres, RabbitMQ and SMTP', () => {
  let infra: TestInfrastructure;
  let service: RunningService;
  const smtp = new TestSmtpServer();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure({ system: true });
    const config = {
      ...serviceConfigFor(infra, ServiceName.NotificationWorker),
      SMTP_URL: await smtp.listen(),
      SMTP_TIMEOUT_MS: 2_000,
      MAIL_FROM: 'Saga Shop <shop@saga.test>',
      SHOP_EMAIL: 'shop@saga.test',
      OPERATORS_EMAIL: 'ops@saga.test',
      SHOP_URL: 'https://shop.example',
      INVENTORY_URL: 'https://inventory.example',
      RETRY_DELAYS_MS: [100, 200, 300],
    };
    service = await runService(notificationWorkerService(config), config);
  });

  afterAll(async () => {
    await service?.stop();
    await infra?.teardown();
    await smtp.close();
  });

  function event(type: string, payload: unknown): MessageEnvelope {
    return {
      messageId: randomUUID(),
      type,
      schemaVersion: 1,
      sagaId: randomUUID(),
      correlationId: randomUUID(),
      causationId: null,
      occurredAt: new Date().toISOString(),
      payload,
    };
  }

  async function publish(envelope: MessageEnvelope, from: ServiceName = ServiceName.OrderApi): Promise<void> {
    await publishRaw(infra.amqpUrl, {
      exchange: namespaced(infra.namespace, Exchange.Events),
      routingKey: envelope.type,
      content: JSON.stringify(envelope),
      properties: {
        userId: brokerUserName(infra.namespace, from),
        messageId: envelope.messageId,
        type: envelope.type,
        contentType: 'application/json',
      },
    });
  }

  async function call(method: string, path: string, as: string, body?: unknown) {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...infra.identity.as(as), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer };
  }

  async function shopper(): Promise<{ userId: string; email: string }> {
    const userId = `shopper-${randomUUID()}`;
    const email = `${userId}@example.test`;
    expect((await call('PUT', '/me/profile', userId, { email, name: 'Ada' })).status).toBe(200);
    return { userId, email };
  }

  const orderCompleted = (userId: string, orderId = randomUUID()) =>
    event('order.completed', {
      orderId,
      userId,
      items: [{ productId: randomUUID(), quantity: 2, name: 'Kettle', unitPrice: 2500 }],
      total: 5000,
    });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 700));

  it('mails a completed order once, with its Message-ID from the event, even when the event comes twice', async () => {
    const { userId, email } = await shopper();
    const completed = orderCompleted(userId);

    await publish(completed);
    await publish(completed);

    const [mail] = await waitFor(async () => smtp.to(email).length > 0 && smtp.to(email), {
      description: 'the e-mail',
    });
    expect(mail).toMatchObject({
      subject: expect.stringContaining('is on its way'),
      messageId: `<${completed.messageId}.order-completed@saga.test>`,
    });
    expect(mail.text).toContain('2 x Kettle  $25.00 each  $50.00');
    await settle();
    expect(smtp.to(email)).toHaveLength(1);
    const history = await call('GET', '/me/notifications', userId);
    expect(history.body.notifications).toMatchObject([
      { kind: 'order-completed', status: 'sent', attempts: 1, recipient: email, eventId: completed.messageId },
    ]);
  });

  it('retries a refusing SMTP server through the retry queues and sends once it takes mail', async () => {
    const { userId, email } = await shopper();
    smtp.refusing = true;
    const completed = orderCompleted(userId);
    await publish(completed);

    const waiting = await waitFor(
      async () => {
        const { body } = await call('GET', '/me/notifications', userId);
        return Number(body.notifications[0]?.attempts) >= 1 && body.notifications[0];
      },
      { description: 'a refused attempt recorded' },
    );
    expect(waiting).toMatchObject({ status: 'queued', lastError: expect.stringMatching(/^SMTP: .*451/) });
    smtp.refusing = false;

    await waitFor(async () => smtp.to(email).length > 0, { description: 'the e-mail once the server takes it' });
    await settle();
    expect(smtp.to(email)).toHaveLength(1);
    expect((await call('GET', '/me/notifications', userId)).body.notifications[0]).toMatchObject({
      status: 'sent',
      lastError: null,
    });
  });

  it('dead-letters an event whose e-mail is refused past its retries, marks it failed, and keeps mailing others', async () => {
    const refused = await shopper();
    const other = await shopper();
    smtp.refusing = true;
    await publish(orderCompleted(refused.userId));
    const dlq = deadLetterQueueName(namespaced(infra.namespace, Queues.notificationEvents.name));
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === 1, {
      description: 'the event on the .dlq',
      timeoutMs: 20_000,
    });
    smtp.refusing = false;
    await publish(orderCompleted(other.userId));

    await waitFor(async () => smtp.to(other.email).length === 1, { description: "the other shopper's e-mail" });
    expect(smtp.to(refused.email)).toEqual([]);
    expect((await call('GET', '/me/notifications', refused.userId)).body.notifications[0]).toMatchObject({
      status: 'failed',
      attempts: 4,
    });
    const [dead] = await readQueue(infra.amqpUrl, dlq);
    expect(dead.headers).toMatchObject({ 'x-death-reason': 'retries_exhausted' });
    expect(String(dead.headers['x-error-message'])).toMatch(/^SMTP: /);
  });

  it('records a shopper without an address as failed, and tells the shop and the operators', async () => {
    const userId = `shopper-${randomUUID()}`;
    await publish(event('order.failed', { orderId: randomUUID(), userId, code: 'card_declined', reason: 'Declined.' }));
    const productId = randomUUID();
    await publish(
      event('inventory.low-stock', { productId, name: 'Lamp', available: 2, threshold: 5 }),
      ServiceName.InventoryWorker,
    );
    const sagaId = randomUUID();
    await publish(
      event('saga.stalled', {
        sagaId,
        definition: 'order-saga',
        correlationId: randomUUID(),
        stepId: 'clear-cart',
        phase: 'action',
        reason: 'cart.clear failed 3 times',
      }),
      ServiceName.OrderSaga,
    );

    await waitFor(async () => smtp.to('shop@saga.test').length > 0 && smtp.to('ops@saga.test').length > 0, {
      description: "the shop's and the operators' e-mail",
    });
    expect(smtp.to('shop@saga.test')[0].subject).toBe('Low stock: Lamp (2 left)');
    expect(smtp.to('ops@saga.test')[0].text).toContain(`saga show ${sagaId}`);
    const mine = await waitFor(async () => (await call('GET', '/me/notifications', userId)).body.notifications[0], {
      description: 'the failed notification',
    });
    expect(mine).toMatchObject({
      status: 'failed',
      recipient: null,
      lastError: `no e-mail address on file for ${userId}`,
    });
  });

  it('refuses a forged event: one the queue does not take from its sender goes to the .dlq unsent', async () => {
    const { userId, email } = await shopper();
    await publish(orderCompleted(userId), ServiceName.CartWorker);
    await settle();
    expect(smtp.to(email)).toEqual([]);
  });

  it('lets only operators and admins read everyone, and refuses a bad profile naming the field', async () => {
    const { userId } = await shopper();
    expect((await call('GET', '/admin/notifications', userId)).status).toBe(403);
    const bad = await call('PUT', '/me/profile', userId, { email: 'not an address\r\nBcc: x@y', name: 'A\u0000' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['email', 'name']);
    const operator = await fetch(`${service.url}/admin/notifications?kind=low-stock`, {
      headers: infra.identity.as('on-call', 'operator'),
    });
    expect(operator.status).toBe(200);
  });

  it('counts the history by kind and status in /metrics', async () => {
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      /saga_notifications\{kind="order-completed",status="sent",service="notification-worker"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /saga_notifications\{kind="order-completed",status="failed",service="notification-worker"\} [1-9]/,
    );
  });
});
