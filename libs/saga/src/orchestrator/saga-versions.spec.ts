import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inventoryReserve, newEnvelope, orderProcess, paymentCapture, sagaReplyType } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations, OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { defineSaga, type SagaDefinition } from '../engine/definition';
import { compensatable, pivot } from '../engine/step';
import { DefinitionChangedError } from '../store/definition-registry';
import { SagaEvent } from '../store/saga-event.entity';
import { SagaInstance } from '../store/saga-instance.entity';
import { sagaMigrations } from '../store/saga-migrations';
import {
  approve,
  open,
  reserve,
  shopResultOf,
  shopSagaV1,
  shopSagaV2,
  take,
  type ShopInput,
} from '../testing/shop-saga';
import { SagaActionRefusedError, SagaOrchestrator } from './saga-orchestrator';

describe('saga definitions in several versions, on a real database', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  const inputs = new Map<string, ShopInput>();

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
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  function orchestratorOf(definitions: SagaDefinition<ShopInput>[], clockOffsetMs = 0) {
    return new SagaOrchestrator({
      definitions,
      messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
      consumer: 'shop-saga',
      logger: createLogger({ service: 'versions-spec', level: 'error' }),
      clock: () => ({ now: new Date(Date.now() + clockOffsetMs), newId: randomUUID, random: Math.random }),
    });
  }

  async function start(orchestrator: SagaOrchestrator<ShopInput>): Promise<SagaInstance> {
    const orderId = randomUUID();
    const input = { orderId, items: [{ productId: randomUUID(), quantity: 1 }] };
    inputs.set(orderId, input);
    const placed = newEnvelope({
      type: 'order.placed',
      payload: {},
      sagaId: null,
      correlationId: orderId,
      causationId: null,
    });
    await orchestrator.start(placed, orderId, input);
    return dataSource.getRepository(SagaInstance).findOneByOrFail({ correlationId: orderId });
  }

  const reload = (saga: SagaInstance) => dataSource.getRepository(SagaInstance).findOneByOrFail({ id: saga.id });
  const logOf = async (saga: SagaInstance) =>
    (await dataSource.getRepository(SagaEvent).find({ where: { sagaId: saga.id }, order: { seq: 'ASC' } })).map(
      (e) => e.type,
    );

  /** Answers the command the saga waits for with success; returns the saga as it is then. */
  async function answer(orchestrator: SagaOrchestrator<ShopInput>, saga: SagaInstance): Promise<SagaInstance> {
    const commandType = saga.state.awaiting!.commandType;
    const result = shopResultOf(commandType, inputs.get(saga.correlationId)!);
    const payload = { commandId: saga.awaitingCommandId!, commandType, outcome: 'success', result };
    await orchestrator.handleReply(
      newEnvelope({
        type: sagaReplyType,
        payload,
        sagaId: saga.id,
        correlationId: saga.correlationId,
        causationId: null,
      }),
    );
    return reload(saga);
  }

  async function commandsSentBy(saga: SagaInstance): Promise<string[]> {
    const rows = await dataSource
      .getRepository(OutboxMessage)
      .createQueryBuilder('o')
      .where(`o.envelope->>'sagaId' = :sagaId`, { sagaId: saga.id })
      .orderBy('o.id')
      .getMany();
    return rows.map((row) => row.routingKey);
  }

  it('finishes a saga on the version it started with, while new sagas start on the latest', async () => {
    const before = orchestratorOf([shopSagaV1]);
    await before.register();
    let old = await start(before);
    old = await answer(before, old);

    const after = orchestratorOf([shopSagaV1, shopSagaV2]);
    await after.register();
    let fresh = await start(after);
    while (old.status === 'RUNNING') old = await answer(after, old);
    while (fresh.status === 'RUNNING') fresh = await answer(after, fresh);

    expect(old).toMatchObject({
      status: 'COMPLETED',
      definitionVersion: 1,
      definitionFingerprint: shopSagaV1.fingerprint,
    });
    expect(fresh).toMatchObject({
      status: 'COMPLETED',
      definitionVersion: 2,
      definitionFingerprint: shopSagaV2.fingerprint,
    });
    expect(await commandsSentBy(old)).toEqual([
      'order.process',
      'inventory.reserve',
      'payment.capture',
      'order.approve',
    ]);
    expect(await commandsSentBy(fresh)).toEqual([
      'order.process',
      'inventory.reserve',
      'payment.capture',
      'inventory.commit',
      'order.approve',
    ]);
  });

  it('parks a saga whose version this build does not have, once, and keeps acting on the deadlines behind it', async () => {
    const newer = defineSaga<ShopInput>('shop', 3).step(reserve).step(open).pivot(take).step(approve).build();
    const unknown = await start(orchestratorOf([newer]));
    const current = orchestratorOf([shopSagaV1, shopSagaV2]);
    const behind = [await start(current), await start(current)];
    // Every deadline has passed for this replica: the unknown version's first, as it was sent first.
    const scanner = orchestratorOf([shopSagaV1, shopSagaV2], 60 * 60_000);

    expect(await scanner.expireOverdue()).toBeGreaterThanOrEqual(3);

    const parked = await reload(unknown);
    expect(parked).toMatchObject({ status: 'REQUIRES_ATTENTION', awaitingCommandId: null, deadlineAt: null });
    expect(parked.state.stalled).toMatchObject({
      stepId: 'reserve',
      reason: expect.stringContaining('runs shop v3, which this build does not have (it has shop v1, v2)'),
    });
    for (const saga of behind) {
      expect(await reload(saga)).toMatchObject({ status: 'COMPENSATING', definitionVersion: 2 });
    }
    // A late reply to what it awaited changes nothing more; a resume is refused with the reason.
    await answer(current, unknown);
    expect((await logOf(unknown)).filter((t) => t === 'saga-requires-attention')).toHaveLength(1);
    await expect(current.retry(unknown.id, { actor: 'ops', reason: 'try it' })).rejects.toThrow(SagaActionRefusedError);
  });

  it('leaves the overdue sagas of another saga definition in the same schema to that saga', async () => {
    const returns = defineSaga<ShopInput>('returns', 1).step(open).step(reserve).build();
    const other = await start(orchestratorOf([returns]));
    const shop = await start(orchestratorOf([shopSagaV1, shopSagaV2]));
    const later = 60 * 60_000;

    await orchestratorOf([shopSagaV1, shopSagaV2], later).expireOverdue();

    expect(await reload(other)).toMatchObject({ status: 'RUNNING', definitionName: 'returns' });
    expect(await reload(shop)).toMatchObject({ status: 'COMPENSATING' });
    await orchestratorOf([returns], later).expireOverdue();
    expect(await reload(other)).toMatchObject({ status: 'COMPENSATING', definitionName: 'returns' });
  });

  it('parks a saga whose decision throws instead of failing the message for ever', async () => {
    const breaks = compensatable({
      id: 'breaks',
      action: {
        command: inventoryReserve,
        payload: (): never => {
          throw new Error('the payload cannot be built');
        },
      },
      compensation: { command: orderProcess, payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }) },
    });
    const capture = pivot({
      id: 'capture',
      action: { command: paymentCapture, payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }) },
    });
    const broken = defineSaga<ShopInput>('broken', 1).step(open).step(breaks).pivot(capture).build();
    const orchestrator = orchestratorOf([broken]);
    const saga = await start(orchestrator);

    const after = await answer(orchestrator, saga);

    expect(after.status).toBe('REQUIRES_ATTENTION');
    expect(after.state.stalled?.reason).toContain('broken v1 could not decide: the payload cannot be built');
  });

  it('refuses to start when a version was changed without a new version number', async () => {
    await orchestratorOf([shopSagaV1]).register();
    const reordered = defineSaga<ShopInput>('shop', 1).step(reserve).step(open).pivot(take).step(approve).build();

    await expect(orchestratorOf([reordered]).register()).rejects.toThrow(DefinitionChangedError);
    await expect(orchestratorOf([reordered]).register()).rejects.toThrow(
      /shop v1 ran with steps .* a change of steps needs a new version/,
    );
  });
});
