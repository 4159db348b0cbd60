import { randomUUID } from 'node:crypto';
import { Exchange, InvalidMessageError, namespaced, newEnvelope, sagaReplyType } from '@saga/contracts';
import { runService, type RunningService } from '@saga/runtime';
import {
  serviceConfigFor,
  provisionTestInfrastructure,
  publishRaw,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { advanceOnReply } from './consumers/advance-on-reply';
import { startOnOrderPlaced } from './consumers/start-on-order-placed';
import { orderSagaService } from './order-saga-service';

describe('the order-saga service', () => {
  let infra: TestInfrastructure;
  let service: RunningService;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    service = await runService(orderSagaService, serviceConfigFor(infra));
  });

  afterAll(async () => {
    await service?.stop();
    await infra?.teardown();
  });

  const get = async (path: string) => {
    const response = await fetch(`${service.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  async function placeOrder(orderId = randomUUID()): Promise<string> {
    const placed = newEnvelope({
      type: 'order.placed',
      payload: {
        orderId,
        userId: 'ada',
        source: 'items',
        items: [{ productId: randomUUID(), quantity: 1 }],
        paymentMethod: { method: 'wallet' },
      },
      sagaId: null,
      correlationId: orderId,
      causationId: null,
    });
    await publishRaw(infra.amqpUrl, {
      exchange: namespaced(infra.namespace, Exchange.Events),
      routingKey: 'order.placed',
      content: JSON.stringify(placed),
    });
    return orderId;
  }

  async function sagaOf(orderId: string) {
    return waitFor(
      async () => {
        const { body } = await get(`/sagas?correlationId=${orderId}`);
        return (body.sagas as { id: string; status: string; currentStep: string }[])[0];
      },
      { description: `the saga of order ${orderId}` },
    );
  }

  it('starts a saga on order.placed and shows it with its log', async () => {
    const orderId = await placeOrder();
    const saga = await sagaOf(orderId);

    expect(saga).toMatchObject({ status: 'RUNNING', currentStep: 'process-order' });
    const { status, body } = await get(`/sagas/${saga.id}`);
    expect(status).toBe(200);
    expect((body.events as { type: string }[]).map((e) => e.type)).toEqual(['saga-started', 'step-started']);
  });

  it('moves a saga on when the reply it waits for comes back over the broker', async () => {
    const orderId = await placeOrder();
    const { id } = await sagaOf(orderId);
    const { body } = await get(`/sagas/${id}`);
    const awaiting = (body.state as { awaiting: { commandId: string } }).awaiting;
    const reply = newEnvelope({
      type: sagaReplyType,
      payload: { commandId: awaiting.commandId, commandType: 'order.process', outcome: 'success', result: {} },
      sagaId: id,
      correlationId: orderId,
      causationId: awaiting.commandId,
    });
    await publishRaw(infra.amqpUrl, {
      exchange: namespaced(infra.namespace, Exchange.Replies),
      routingKey: 'reply.order.process',
      content: JSON.stringify(reply),
    });

    await waitFor(async () => (await sagaOf(orderId)).currentStep === 'reserve-stock', {
      description: 'the saga to reach reserve-stock',
    });
  });

  it('lists sagas by status and answers an unknown or malformed id with problem+json', async () => {
    const running = await get('/sagas?status=RUNNING');
    expect((running.body.sagas as unknown[]).length).toBeGreaterThan(0);
    expect((await get(`/sagas/${randomUUID()}`)).status).toBe(404);
    const malformed = await get('/sagas/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });

  it('refuses a message of the wrong type on its queues as invalid, which the broker dead-letters', async () => {
    const wrong = newEnvelope({
      type: 'order.completed',
      payload: {},
      sagaId: null,
      correlationId: 'x',
      causationId: null,
    });
    const orchestrator = {} as never;
    await expect(startOnOrderPlaced(orchestrator)({ envelope: wrong } as never)).rejects.toThrow(InvalidMessageError);
    await expect(advanceOnReply(orchestrator)({ envelope: wrong } as never)).rejects.toThrow(InvalidMessageError);
  });
});
