import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { orderApprove, orderProcess, orderReject, type CommandContract, type CommandPayload } from '@saga/contracts';
import { TransactionalMessaging, type PendingMessage } from '@saga/outbox';
import { openServiceDatabase } from '@saga/runtime';
import type { CommandHandler } from '@saga/participant';
import { runCommand } from '@saga/participant/testing';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { Order } from '../domain/order.entity';
import { placeOrder } from '../domain/place-order';
import { defaultOrderApiSettings, orderApiService } from '../order-api-service';
import { approveOrder } from './approve-order';
import { processOrder } from './process-order';
import { rejectOrder } from './reject-order';

describe('the order commands', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let messaging: TransactionalMessaging;
  const product = randomUUID();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(orderApiService(defaultOrderApiSettings), infra.databaseUrl);
    messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  async function pendingOrder(): Promise<string> {
    const { accepted } = await messaging.transaction((tx) =>
      placeOrder(
        tx,
        { userId: 'ada', items: [{ productId: product, quantity: 2 }], payment: { method: 'wallet' } },
        undefined,
      ),
    );
    return accepted.orderId;
  }

  /** Runs a handler in its own transaction and returns its outcome and the events it sent. */
  async function run<C extends CommandContract>(contract: C, handler: CommandHandler<C>, payload: CommandPayload<C>) {
    const sent: PendingMessage[] = [];
    const outcome = await runCommand({ dataSource: dataSource, sent }, contract, handler, payload);
    return { outcome, sent };
  }

  const status = async (id: string) => (await dataSource.getRepository(Order).findOneByOrFail({ id })).status;
  const priced = [{ productId: product, quantity: 2, name: 'Kettle', unitPrice: 2500 }];

  it('moves a PENDING order to PROCESSING, and does so again without complaint', async () => {
    const orderId = await pendingOrder();
    expect((await run(orderProcess, processOrder, { orderId })).outcome).toEqual({ outcome: 'success', result: {} });
    expect((await run(orderProcess, processOrder, { orderId })).outcome).toEqual({ outcome: 'success', result: {} });
    expect(await status(orderId)).toBe('PROCESSING');
  });

  it('approves with the priced items and total, and announces order.completed once', async () => {
    const orderId = await pendingOrder();
    await run(orderProcess, processOrder, { orderId });
    const first = await run(orderApprove, approveOrder, { orderId, items: priced, total: 5000 });
    const again = await run(orderApprove, approveOrder, { orderId, items: priced, total: 5000 });

    expect(first.outcome.outcome).toBe('success');
    expect(first.sent.map((m) => m.routingKey)).toEqual(['order.completed']);
    expect(again.sent).toEqual([]);
    const order = await dataSource
      .getRepository(Order)
      .findOneOrFail({ where: { id: orderId }, relations: { lines: true } });
    expect(order).toMatchObject({ status: 'COMPLETED', total: 5000 });
    expect(order.lines).toMatchObject([{ productId: product, quantity: 2, name: 'Kettle', unitPrice: 2500 }]);
  });

  it('rejects with the reason a shopper reads, and announces order.failed once', async () => {
    const orderId = await pendingOrder();
    await run(orderProcess, processOrder, { orderId });
    const reason = 'Your card was declined.';
    const first = await run(orderReject, rejectOrder, {
      orderId,
      code: 'card_declined',
      reason,
      items: priced,
      total: 5000,
    });
    const again = await run(orderReject, rejectOrder, { orderId, code: 'card_declined', reason });

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
    await run(orderProcess, processOrder, { orderId: done });
    await run(orderApprove, approveOrder, { orderId: done, items: priced, total: 5000 });
    expect((await run(orderReject, rejectOrder, { orderId: done, code: 'x', reason: 'late' })).outcome).toMatchObject({
      outcome: 'failure',
      failure: { code: 'invalid_state' },
    });

    const failed = await pendingOrder();
    await run(orderReject, rejectOrder, { orderId: failed, code: 'out_of_stock', reason: 'Sold out.' });
    expect(
      (await run(orderApprove, approveOrder, { orderId: failed, items: priced, total: 5000 })).outcome,
    ).toMatchObject({
      outcome: 'failure',
      failure: { code: 'invalid_state' },
    });
    expect(await status(done)).toBe('COMPLETED');
    expect(await status(failed)).toBe('FAILED');
  });

  it('answers a command for an unknown order with not_found', async () => {
    expect((await run(orderProcess, processOrder, { orderId: randomUUID() })).outcome).toMatchObject({
      outcome: 'failure',
      failure: { code: 'not_found' },
    });
  });
});
