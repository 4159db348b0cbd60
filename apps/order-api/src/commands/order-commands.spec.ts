import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PendingMessage } from '@saga/outbox';
import { messagingEntities, messagingMigrations, newEnvelope, TransactionalMessaging } from '@saga/outbox';
import { createLogger } from '@saga/observability';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { Order } from '../domain/order.entity';
import { placeOrder } from '../domain/place-order';
import { orderApiService } from '../order-api-service';
import { approveOrder } from './approve-order';
import { processOrder } from './process-order';
import { rejectOrder } from './reject-order';

describe('the order commands', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let messaging: TransactionalMessaging;
  const logger = createLogger({ service: 'order-api-test', level: 'warn' });
  const product = randomUUID();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await initializeDataSource(
      createServiceDataSource({
        url: infra.databaseUrl,
        schema: 'orders',
        entities: [...messagingEntities, ...(orderApiService.entities as never[])],
        migrations: [...messagingMigrations, ...(orderApiService.migrations as never[])],
      }),
    );
    messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  async function pendingOrder(): Promise<string> {
    const { accepted } = await messaging.transaction((tx) =>
      placeOrder(tx, { userId: 'ada', items: [{ productId: product, quantity: 2 }], payment: { method: 'wallet' } }, undefined),
    );
    return accepted.orderId;
  }

  /** Runs a handler in its own transaction and returns its outcome and the events it sent. */
  async function run<P, R>(
    handler: (payload: P, ctx: never) => Promise<R>,
    payload: P,
  ): Promise<{ outcome: R; sent: PendingMessage[] }> {
    const sent: PendingMessage[] = [];
    const envelope = newEnvelope({ type: 'x', payload, sagaId: randomUUID(), correlationId: 'c', causationId: null });
    const outcome = await dataSource.transaction((manager) =>
      handler(payload, { manager, envelope, logger, send: (m: PendingMessage) => sent.push(m) } as never),
    );
    return { outcome, sent };
  }

  const status = async (id: string) => (await dataSource.getRepository(Order).findOneByOrFail({ id })).status;
  const priced = [{ productId: product, quantity: 2, name: 'Kettle', unitPrice: 2500 }];

  it('moves a PENDING order to PROCESSING, and does so again without complaint', async () => {
    const orderId = await pendingOrder();
    expect((await run(processOrder, { orderId })).outcome).toEqual({ outcome: 'success', result: {} });
    expect((await run(processOrder, { orderId })).outcome).toEqual({ outcome: 'success', result: {} });
    expect(await status(orderId)).toBe('PROCESSING');
  });

  it('approves with the priced items and total, and announces order.completed once', async () => {
    const orderId = await pendingOrder();
    await run(processOrder, { orderId });
    const first = await run(approveOrder, { orderId, items: priced, total: 5000 });
    const again = await run(approveOrder, { orderId, items: priced, total: 5000 });

    expect(first.outcome.outcome).toBe('success');
    expect(first.sent.map((m) => m.routingKey)).toEqual(['order.completed']);
    expect(again.sent).toEqual([]);
    const order = await dataSource.getRepository(Order).findOneOrFail({ where: { id: orderId }, relations: { lines: true } });
    expect(order).toMatchObject({ status: 'COMPLETED', total: 5000 });
    expect(order.lines).toMatchObject([{ productId: product, quantity: 2, name: 'Kettle', unitPrice: 2500 }]);
  });

  it('rejects with the reason a shopper reads, and announces order.failed once', async () => {
    const orderId = await pendingOrder();
    await run(processOrder, { orderId });
    const reason = 'Your card was declined.';
    const first = await run(rejectOrder, { orderId, code: 'card_declined', reason, items: priced, total: 5000 });
    const again = await run(rejectOrder, { orderId, code: 'card_declined', reason });

    expect(first.sent.map((m) => m.routingKey)).toEqual(['order.failed']);
    expect(again.outcome.outcome).toBe('success');
    expect(again.sent).toEqual([]);
    expect(await dataSource.getRepository(Order).findOneByOrFail({ id: orderId })).toMatchObject({
      status: 'FAILED',
      failureCode: 'card_declined',
      failureReason: reason,
      total: 5000,
    });
  });

  it('refuses to reject a COMPLETED order or approve a FAILED one', async () => {
    const done = await pendingOrder();
    await run(processOrder, { orderId: done });
    await run(approveOrder, { orderId: done, items: priced, total: 5000 });
    expect((await run(rejectOrder, { orderId: done, code: 'x', reason: 'late' })).outcome).toMatchObject({
      outcome: 'failure',
      failure: { code: 'invalid_state' },
    });

    const failed = await pendingOrder();
    await run(rejectOrder, { orderId: failed, code: 'out_of_stock', reason: 'Sold out.' });
    expect((await run(approveOrder, { orderId: failed, items: priced, total: 5000 })).outcome).toMatchObject({
      outcome: 'failure',
      failure: { code: 'invalid_state' },
    });
    expect(await status(done)).toBe('COMPLETED');
    expect(await status(failed)).toBe('FAILED');
  });

  it('answers a command for an unknown order with not_found', async () => {
    expect((await run(processOrder, { orderId: randomUUID() })).outcome).toMatchObject({
      outcome: 'failure',
      failure: { code: 'not_found' },
    });
  });
});
