import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FailureCode, sagaReplyType, type SagaReply, newEnvelope } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations, OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { finishedSagaRetention, SagaEvent, SagaInstance, sagaMigrations, SagaOrchestrator } from '@saga/saga';
import { orderSagaV1 } from './order-saga';
import type { OrderSagaInput } from './order-saga-input';

describe('the saga orchestrator on a real database', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let orchestrator: SagaOrchestrator<OrderSagaInput>;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await initializeDataSource(
      createServiceDataSource({
        url: infra.databaseUrl,
        schema: 'saga',
        entities: [...messagingEntities, SagaInstance, SagaEvent],
        migrations: [...messagingMigrations, ...sagaMigrations],
      }),
    );
    orchestrator = new SagaOrchestrator({
      definitions: [orderSagaV1],
      messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
      consumer: 'order-saga',
      logger: createLogger({ service: 'saga-test', level: 'warn' }),
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  async function started(): Promise<SagaInstance> {
    const orderId = randomUUID();
    const placed = newEnvelope({
      type: 'order.placed',
      payload: {},
      sagaId: null,
      correlationId: orderId,
      causationId: null,
    });
    await orchestrator.start(placed, orderId, {
      orderId,
      userId: 'ada',
      source: 'items',
      items: [{ productId: randomUUID(), quantity: 1 }],
      paymentMethod: { method: 'wallet' },
    });
    return dataSource.getRepository(SagaInstance).findOneByOrFail({ correlationId: orderId });
  }

  function replyTo(saga: SagaInstance, reply: Partial<SagaReply> = {}) {
    const payload = {
      commandId: saga.awaitingCommandId!,
      commandType: saga.state.awaiting!.commandType,
      outcome: 'success',
      result: {},
      ...reply,
    };
    return newEnvelope({
      type: sagaReplyType,
      payload,
      sagaId: saga.id,
      correlationId: saga.correlationId,
      causationId: null,
    });
  }

  const reload = (saga: SagaInstance) => dataSource.getRepository(SagaInstance).findOneByOrFail({ id: saga.id });
  const eventsOf = (saga: SagaInstance) =>
    dataSource.getRepository(SagaEvent).find({ where: { sagaId: saga.id }, order: { seq: 'ASC' } });

  it('starts a saga, logs it and writes its first command to the outbox in one transaction', async () => {
    const saga = await started();

    expect(saga).toMatchObject({ status: 'RUNNING', currentStep: 'process-order', definitionName: 'order-saga' });
    expect((await eventsOf(saga)).map((e) => e.type)).toEqual(['saga-started', 'step-started']);
    const command = await dataSource
      .getRepository(OutboxMessage)
      .findOneByOrFail({ messageId: saga.awaitingCommandId! });
    expect(command).toMatchObject({ exchange: 'saga.commands', routingKey: 'order.process' });
    expect(command.envelope).toMatchObject({ sagaId: saga.id, correlationId: saga.correlationId });
  });

  it('advances on the reply it waits for and sends the next command', async () => {
    const saga = await started();
    await orchestrator.handleReply(replyTo(saga));

    const next = await reload(saga);
    expect(next).toMatchObject({ status: 'RUNNING', currentStep: 'reserve-stock', version: 1 });
    expect(await dataSource.getRepository(OutboxMessage).countBy({ messageId: next.awaitingCommandId! })).toBe(1);
  });

  it('advances a saga another orchestrator moved meanwhile: what it remembered is stale, so it reads the saga again', async () => {
    const replica = new SagaOrchestrator({
      definitions: [orderSagaV1],
      messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
      consumer: 'order-saga',
      logger: createLogger({ service: 'saga-test', level: 'warn' }),
    });
    const saga = await started();
    expect(await replica.handleReply(replyTo(saga))).toBe('processed');
    const moved = await reload(saga);

    const reserved = {
      reservationId: randomUUID(),
      items: [{ productId: randomUUID(), quantity: 1, name: 'Kettle', unitPrice: 4900 }],
      total: 4900,
      currency: 'USD',
    };
    expect(await orchestrator.handleReply(replyTo(moved, { result: reserved } as Partial<SagaReply>))).toBe(
      'processed',
    );

    const after = await reload(saga);
    expect(after).toMatchObject({ status: 'RUNNING', version: 2 });
    const log = await eventsOf(saga);
    expect(log.filter((e) => e.type === 'step-succeeded').map((e) => e.stepId)).toEqual([
      'process-order',
      'reserve-stock',
    ]);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  });

  it('records a reply it took in one statement in the inbox, with the command it sent', async () => {
    const saga = await started();
    const reply = replyTo(saga);
    await orchestrator.handleReply(reply);

    const next = await reload(saga);
    const [inbox] = (await dataSource.query(
      `SELECT outbox_message_ids FROM saga.inbox WHERE message_id = $1 AND consumer = 'order-saga'`,
      [reply.messageId],
    )) as { outbox_message_ids: string[] }[];
    expect(inbox.outbox_message_ids).toEqual([next.awaitingCommandId]);
  });

  it('ignores a reply to a command it does not wait for', async () => {
    const saga = await started();
    await orchestrator.handleReply(replyTo(saga, { commandId: randomUUID() }));

    expect(await reload(saga)).toMatchObject({ status: 'RUNNING', currentStep: 'process-order', version: 0 });
    expect(await eventsOf(saga)).toHaveLength(2);
  });

  it('applies a redelivered reply once and reports the duplicate', async () => {
    const saga = await started();
    const reply = replyTo(saga);
    expect(await orchestrator.handleReply(reply)).toBe('processed');
    expect(await orchestrator.handleReply(reply)).toBe('duplicate');

    expect(await reload(saga)).toMatchObject({ currentStep: 'reserve-stock', version: 1 });
  });

  it('applies one of two different replies racing for the same command, under the row lock', async () => {
    const saga = await started();
    await Promise.all([orchestrator.handleReply(replyTo(saga)), orchestrator.handleReply(replyTo(saga))]);

    const after = await reload(saga);
    expect(after.version).toBe(1);
    expect((await eventsOf(saga)).filter((e) => e.type === 'step-succeeded')).toHaveLength(1);
  });

  it('starts one saga per order.placed message, however often it arrives', async () => {
    const orderId = randomUUID();
    const placed = newEnvelope({
      type: 'order.placed',
      payload: {},
      sagaId: null,
      correlationId: orderId,
      causationId: null,
    });
    const input: OrderSagaInput = {
      orderId,
      userId: 'bo',
      source: 'cart',
      items: [],
      paymentMethod: { method: 'wallet' },
    };
    await orchestrator.start(placed, orderId, input);
    expect(await orchestrator.start(placed, orderId, input)).toBe('duplicate');

    expect(await dataSource.getRepository(SagaInstance).countBy({ correlationId: orderId })).toBe(1);
  });

  it('compensates and fails the saga when a worker reports a business failure', async () => {
    let saga = await started();
    await orchestrator.handleReply(replyTo(saga));
    saga = await reload(saga);
    await orchestrator.handleReply(
      replyTo(saga, {
        outcome: 'failure',
        failure: { code: FailureCode.OutOfStock, message: 'Sold out.' },
      } as Partial<SagaReply>),
    );
    saga = await reload(saga);
    expect(saga).toMatchObject({ status: 'COMPENSATING', currentStep: 'process-order' });
    await orchestrator.handleReply(replyTo(saga));

    saga = await reload(saga);
    expect(saga.status).toBe('FAILED');
    expect(saga.state.failure).toEqual({ stepId: 'reserve-stock', code: 'out_of_stock', message: 'Sold out.' });
  });

  it('keeps the saga log append-only', async () => {
    const saga = await started();
    await expect(
      dataSource.query(`UPDATE saga.saga_events SET type = 'x' WHERE saga_id = $1`, [saga.id]),
    ).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM saga.saga_events WHERE saga_id = $1`, [saga.id])).rejects.toThrow(
      /append-only/,
    );
  });

  it('deletes finished sagas with their log once past retention, and keeps every other saga however old', async () => {
    const rule = finishedSagaRetention(90 * 86_400_000);
    const age = async (saga: SagaInstance, status: string, days: number) => {
      await dataSource.query(
        `UPDATE saga.saga_instances SET status = $2, updated_at = now() - $3::int * interval '1 day' WHERE id = $1`,
        [saga.id, status, days],
      );
      return saga.id;
    };
    const expired = [await age(await started(), 'COMPLETED', 100), await age(await started(), 'FAILED', 91)];
    const kept = [
      await age(await started(), 'COMPLETED', 10),
      await age(await started(), 'REQUIRES_ATTENTION', 400),
      await age(await started(), 'RUNNING', 400),
      await age(await started(), 'COMPENSATING', 400),
    ];
    const left = async (ids: string[]) =>
      (await dataSource.query(
        `SELECT (SELECT count(*)::int FROM saga.saga_instances WHERE id = ANY($1)) AS instances,
                (SELECT count(*)::int FROM saga.saga_events WHERE saga_id = ANY($1)) AS log`,
        [ids],
      )) as { instances: number; log: number }[];

    const cutoff = new Date(Date.now() - rule.retentionMs);
    const deleted = await dataSource.transaction((manager) => rule.deleteBatch(manager, cutoff, 100));

    expect(deleted).toBe(2);
    expect(await left(expired)).toEqual([{ instances: 0, log: 0 }]);
    expect(await left(kept)).toEqual([{ instances: 4, log: 8 }]);
    await expect(dataSource.query(`DELETE FROM saga.saga_events WHERE saga_id = $1`, [kept[0]])).rejects.toThrow(
      /append-only/,
    );
  });

  it('sends each command with the saga step it belongs to, as a header', async () => {
    const saga = await started();
    const command = await dataSource
      .getRepository(OutboxMessage)
      .findOneByOrFail({ messageId: saga.awaitingCommandId! });
    expect(command.headers).toEqual({ 'x-saga-step': 'process-order' });
  });

  it('acts on each passed deadline once, even with two orchestrator replicas scanning at the same time', async () => {
    const sagas = await Promise.all(Array.from({ length: 6 }, () => started()));
    // Two replicas whose clocks say every deadline has passed.
    const replica = () =>
      new SagaOrchestrator({
        definitions: [orderSagaV1],
        messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
        consumer: 'order-saga',
        logger: createLogger({ service: 'saga-test', level: 'error' }),
        clock: () => ({ now: new Date(Date.now() + 60 * 60_000), newId: randomUUID, random: Math.random }),
      });
    const [a, b] = await Promise.all([replica().expireOverdue(), replica().expireOverdue()]);

    expect(a + b).toBeGreaterThanOrEqual(sagas.length);
    for (const saga of sagas) {
      const events = (await eventsOf(saga)).map((e) => e.type);
      expect(events.filter((t) => t === 'step-timed-out')).toHaveLength(1);
      expect(await reload(saga)).toMatchObject({ status: 'COMPENSATING', currentStep: 'process-order' });
    }
  });

  it('leaves a saga alone before its deadline', async () => {
    const saga = await started();
    await orchestrator.expireOverdue();
    expect(await reload(saga)).toMatchObject({ status: 'RUNNING', version: 0 });
  });

  it('holds a re-sent command in the outbox until its backoff has passed', async () => {
    let saga = await started();
    for (const step of ['process-order', 'reserve-stock', 'authorize-payment', 'capture-payment']) {
      expect(saga.currentStep).toBe(step);
      const result =
        step === 'reserve-stock'
          ? {
              reservationId: randomUUID(),
              items: [{ productId: randomUUID(), quantity: 1, name: 'X', unitPrice: 100 }],
              total: 100,
              currency: 'USD',
            }
          : step === 'authorize-payment'
            ? { paymentId: randomUUID(), provider: 'wallet' }
            : step === 'capture-payment'
              ? { paymentId: randomUUID(), amount: 100 }
              : {};
      await orchestrator.handleReply(replyTo(saga, { result } as Partial<SagaReply>));
      saga = await reload(saga);
    }
    expect(saga.currentStep).toBe('commit-stock');
    await orchestrator.handleReply(
      replyTo(saga, {
        outcome: 'failure',
        failure: { code: FailureCode.ProviderUnavailable, message: 'try later' },
      } as Partial<SagaReply>),
    );
    saga = await reload(saga);

    const retry = await dataSource.getRepository(OutboxMessage).findOneByOrFail({ messageId: saga.awaitingCommandId! });
    expect(retry.routingKey).toBe('inventory.commit');
    expect(retry.availableAt.getTime() - Date.now()).toBeGreaterThan(500);
  });
});
