import { randomUUID } from 'node:crypto';
import {
  deadLetterQueueName,
  Exchange,
  InvalidMessageError,
  namespaced,
  newEnvelope,
  Queues,
  sagaReplyType,
  ServiceName,
  brokerUserName,
} from '@saga/contracts';
import { Role } from '@saga/identity';
import { runService, type RunningService } from '@saga/runtime';
import {
  serviceConfigFor,
  provisionTestInfrastructure,
  publishRaw,
  queueDepth,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { advanceOnReply } from './consumers/advance-on-reply';
import { startOnEvent } from './consumers/start-on-event';
import { orderSagaService } from './order-saga-service';

describe('the order-saga service', () => {
  let infra: TestInfrastructure;
  let service: RunningService;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure({ system: true });
    // Short deadlines, two attempts: a step nobody answers times out in seconds and then stalls.
    service = await runService(
      orderSagaService({
        SAGA_STEP_TIMEOUT_MS: 1500,
        SAGA_MAX_ATTEMPTS: 2,
        SAGA_RETRY_BASE_DELAY_MS: 100,
        SAGA_RETRY_MAX_DELAY_MS: 1000,
        DEADLINE_SCAN_INTERVAL_MS: 100,
        SAGA_RETENTION: 90 * 86_400_000,
      }),
      serviceConfigFor(infra, ServiceName.OrderSaga),
    );
  });

  afterAll(async () => {
    await service?.stop();
    await infra?.teardown();
  });

  const operator = () => infra.identity.as('ops', Role.Operator);
  const get = async (path: string) => {
    const response = await fetch(`${service.url}${path}`, { headers: operator() });
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
      properties: { userId: brokerUserName(infra.namespace, ServiceName.OrderApi) },
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
      properties: { userId: brokerUserName(infra.namespace, ServiceName.OrderApi) },
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

  it('filters the list by step, version, age and time, pages it newest first, and refuses a forged cursor', async () => {
    for (let i = 0; i < 3; i++) await sagaOf(await placeOrder());
    type Page = { sagas: { id: string; createdAt: string; currentStep: string }[]; next: string | null };
    const first = (await get('/sagas?definition=order-saga&version=1&step=process-order&limit=2')).body as Page;
    expect(first.sagas).toHaveLength(2);
    expect(first.sagas.every((s) => s.currentStep === 'process-order')).toBe(true);
    const second = (await get(`/sagas?definition=order-saga&step=process-order&limit=2&after=${first.next}`))
      .body as Page;
    const ids = [...first.sagas, ...second.sagas].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const times = [...first.sagas, ...second.sagas].map((s) => s.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    expect(((await get('/sagas?stuckForMs=600000')).body as Page).sagas).toEqual([]);
    expect(((await get('/sagas?version=2')).body as Page).sagas).toEqual([]);
    expect(
      ((await get(`/sagas?until=${encodeURIComponent(times.at(-1)!)}`)).body as Page).sagas.map((s) => s.id),
    ).not.toContain(ids.at(-1));
    const forged = await get('/sagas?after=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.body.errors).toEqual([expect.objectContaining({ field: 'querystring.after' })]);
  });

  it('refuses a message of the wrong type on its queues as invalid, which the broker dead-letters', async () => {
    const wrong = newEnvelope({
      type: 'order.completed',
      payload: {},
      sagaId: null,
      correlationId: 'x',
      causationId: null,
    });
    const nothing = {} as never;
    await expect(startOnEvent(nothing)({ envelope: wrong } as never)).rejects.toThrow(InvalidMessageError);
    await expect(advanceOnReply(nothing)({ envelope: wrong } as never)).rejects.toThrow(InvalidMessageError);
    // A reply to a command no saga sends has no saga to go to.
    const stray = newEnvelope({
      type: sagaReplyType,
      payload: { commandId: randomUUID(), commandType: 'cart.unknown', outcome: 'success', result: {} },
      sagaId: randomUUID(),
      correlationId: 'x',
      causationId: null,
    });
    await expect(advanceOnReply({ forCommand: () => undefined })({ envelope: stray } as never)).rejects.toThrow(
      InvalidMessageError,
    );
  });

  const post = async (path: string, body: Record<string, unknown> = { reason: 'the spec says so' }) => {
    const response = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operator() },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const eventTypes = async (sagaId: string) =>
    ((await get(`/sagas/${sagaId}`)).body.events as { type: string; stepId: string | null }[]).map(
      (e) => `${e.type}${e.stepId ? ` ${e.stepId}` : ''}`,
    );

  it('times out a step nobody answers, compensates it, and stalls when the compensation is not answered either', async () => {
    const orderId = await placeOrder();
    const { id } = await sagaOf(orderId);

    const stalled = await waitFor(
      async () => {
        const { body } = await get(`/sagas/${id}`);
        return body.status === 'REQUIRES_ATTENTION' ? body : undefined;
      },
      { timeoutMs: 15_000, description: 'the saga to stall' },
    );
    expect(stalled.state).toMatchObject({ stalled: { stepId: 'process-order', phase: 'compensation' } });
    expect(await eventTypes(id)).toEqual([
      'saga-started',
      'step-started process-order',
      'step-timed-out process-order',
      'compensation-started process-order',
      'compensation-timed-out process-order',
      'compensation-retried process-order',
      'compensation-timed-out process-order',
      'saga-requires-attention process-order',
    ]);
  });

  it('retries a stalled saga on an operator’s request, logs who and why, and refuses to retry others', async () => {
    const { body } = await get('/sagas?status=REQUIRES_ATTENTION');
    const [stalled] = body.sagas as { id: string }[];

    const retried = await post(`/admin/sagas/${stalled.id}/retry`, { reason: 'the order API is back' });
    expect(retried).toEqual({
      status: 200,
      body: {
        sagaId: stalled.id,
        action: 'retry',
        status: 'COMPENSATING',
        sent: [{ type: 'order.reject', stepId: 'process-order' }],
      },
    });
    expect((await eventTypes(stalled.id)).slice(-2)).toEqual([
      'saga-resumed process-order',
      'compensation-started process-order',
    ]);
    const { body: detail } = await get(`/sagas/${stalled.id}`);
    expect(detail.operatorActions).toEqual([
      expect.objectContaining({ action: 'retry', actor: 'ops', reason: 'the order API is back', type: 'saga-resumed' }),
    ]);
    const again = await post(`/admin/sagas/${stalled.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      action: 'retry',
      reason: expect.stringMatching(/^only a saga in REQUIRES_ATTENTION/),
    });
    expect((await post(`/admin/sagas/${randomUUID()}/retry`)).status).toBe(404);
    expect((await post(`/admin/sagas/${stalled.id}/retry`, {})).status).toBe(400);
  });

  it('extends and fires the deadline of a waiting step, plans a compensation without acting, and kills', async () => {
    const { id } = await sagaOf(await placeOrder());
    const extended = await post(`/admin/sagas/${id}/deadline/extend`, { reason: 'worker redeploying', byMs: 600_000 });
    expect(extended.status).toBe(200);
    const { body: waiting } = await get(`/sagas/${id}`);
    expect(Date.parse(waiting.deadlineAt as string) - Date.now()).toBeGreaterThan(590_000);
    expect(((await get('/deadlines')).body.deadlines as { sagaId: string }[]).map((d) => d.sagaId)).toContain(id);

    const plan = await post(`/admin/sagas/${id}/compensate`, { reason: 'look first', dryRun: true });
    expect(plan.body).toMatchObject({
      dryRun: true,
      commands: [{ stepId: 'process-order', type: 'order.reject', payload: { code: 'compensated_by_operator' } }],
    });
    expect((await get(`/sagas/${id}`)).body.updatedAt).toBe(waiting.updatedAt);

    const fired = await post(`/admin/sagas/${id}/deadline/fire`, { reason: 'the worker is gone' });
    expect(fired.body).toMatchObject({ status: 'COMPENSATING', sent: [{ type: 'order.reject' }] });
    const killed = await post(`/admin/sagas/${id}/kill`, { reason: 'settled by hand' });
    expect(killed.body).toMatchObject({ status: 'KILLED', sent: [] });
    expect(await eventTypes(id)).toEqual(
      expect.arrayContaining([
        'deadline-extended process-order',
        'deadline-fired process-order',
        'saga-killed process-order',
      ]),
    );
    expect((await post(`/admin/sagas/${id}/kill`)).status).toBe(409);
    const { body: versions } = await get('/saga-definitions');
    expect(versions.definitions).toContainEqual(
      expect.objectContaining({ name: 'order-saga', version: 1, runHere: true, latest: true }),
    );
  });

  it('cancels a waiting saga, refuses to skip a step before the pivot, and marks a stalled compensation done by hand', async () => {
    const { id } = await sagaOf(await placeOrder());
    const skipAction = await post(`/admin/sagas/${id}/skip`, { step: 'process-order', reason: 'by hand' });
    expect(skipAction.status).toBe(409);
    expect(skipAction.body.reason).toMatch(/^process-order comes before the pivot/);

    const cancelled = await post(`/admin/sagas/${id}/cancel`, { reason: 'customer called' });
    expect(cancelled.body).toMatchObject({
      action: 'cancel',
      status: 'COMPENSATING',
      sent: [{ type: 'order.reject' }],
    });
    const { body: compensating } = await get(`/sagas/${id}`);
    expect(compensating.state).toMatchObject({ failure: { code: 'cancelled', stepId: 'process-order' } });

    // Nobody answers the reject: it stalls; the operator rejected the order by hand and says so.
    await waitFor(async () => (await get(`/sagas/${id}`)).body.status === 'REQUIRES_ATTENTION', {
      timeoutMs: 15_000,
      description: 'the compensation to stall',
    });
    const skipped = await post(`/admin/sagas/${id}/skip`, {
      step: 'process-order',
      reason: 'rejected in the back office',
    });
    expect(skipped.body).toMatchObject({ action: 'skip', status: 'FAILED', sent: [] });
    expect((await eventTypes(id)).slice(-2)).toEqual(['compensation-marked-done process-order', 'saga-failed']);
  });

  it('lists dead letters per queue and replays those of one saga back onto their queue', async () => {
    const queue = namespaced(infra.namespace, Queues.cartCommands.name);
    const [mine, other] = [randomUUID(), randomUUID()];
    for (const sagaId of [mine, other]) {
      const command = newEnvelope({ type: 'cart.clear', payload: {}, sagaId, correlationId: 'c', causationId: null });
      await publishRaw(infra.amqpUrl, {
        queue: deadLetterQueueName(queue),
        content: JSON.stringify(command),
        properties: {
          messageId: command.messageId,
          type: 'cart.clear',
          headers: { 'x-saga-id': sagaId, 'x-saga-step': 'clear-cart', 'x-death-reason': 'retries_exhausted' },
        },
      });
    }

    const listed = await get('/admin/dead-letters?queue=cart-worker.commands');
    const [{ deadLetters }] = listed.body.queues as {
      deadLetters: { messageId: string; sagaId: string; step: string; reason: string }[];
    }[];
    expect(deadLetters).toEqual([
      expect.objectContaining({ sagaId: mine, step: 'clear-cart', reason: 'retries_exhausted' }),
      expect.objectContaining({ sagaId: other }),
    ]);

    // Neither saga exists here: the guard calls the letter stale, and only a forced replay puts it back.
    const guarded = await post('/admin/dead-letters/replay', {
      queue: 'cart-worker.commands',
      sagaId: mine,
      reason: 'fixed',
    });
    expect(guarded.body).toMatchObject({
      replayed: [],
      stale: [{ deadLetter: expect.objectContaining({ sagaId: mine }), why: `saga ${mine} does not exist` }],
    });
    const forced = await post('/admin/dead-letters/replay', {
      queue: 'cart-worker.commands',
      sagaId: mine,
      reason: 'fixed',
      force: true,
    });
    expect(forced.body).toMatchObject({
      forced: true,
      replayed: [expect.objectContaining({ sagaId: mine })],
      stale: [],
    });
    expect(await queueDepth(infra.amqpUrl, queue)).toBe(1);
    expect(await queueDepth(infra.amqpUrl, deadLetterQueueName(queue))).toBe(1);
    const shown = await get(`/admin/dead-letters/${deadLetters[1].messageId}`);
    expect(shown.body).toMatchObject({ queue: 'cart-worker.commands', sagaId: other, body: { sagaId: other } });

    const purged = await post('/admin/dead-letters/purge', {
      queue: 'cart-worker.commands',
      sagaId: other,
      reason: 'noise',
    });
    expect(purged.body).toMatchObject({ purged: [expect.objectContaining({ sagaId: other })] });
    expect(await queueDepth(infra.amqpUrl, deadLetterQueueName(queue))).toBe(0);
    expect((await get(`/admin/dead-letters/${deadLetters[1].messageId}`)).status).toBe(404);
    expect((await get('/admin/dead-letters?queue=nope')).status).toBe(400);
  });

  it('lets only operators see sagas and dead letters: 401 without a token, 403 to shoppers and admins, nothing replayed or resumed', async () => {
    const queue = namespaced(infra.namespace, Queues.inventoryCommands.name);
    const sagaId = randomUUID();
    const command = newEnvelope({
      type: 'inventory.release',
      payload: {},
      sagaId,
      correlationId: 'c',
      causationId: null,
    });
    await publishRaw(infra.amqpUrl, {
      queue: deadLetterQueueName(queue),
      content: JSON.stringify(command),
      properties: { messageId: command.messageId, type: 'inventory.release', headers: { 'x-saga-id': sagaId } },
    });
    await waitFor(async () => (await queueDepth(infra.amqpUrl, deadLetterQueueName(queue))) === 1, {
      description: 'the dead letter in its queue',
    });
    const saga = await sagaOf(await placeOrder());
    const resumes = async () => (await eventTypes(saga.id)).filter((type) => type.startsWith('saga-resumed')).length;
    const resumedBefore = await resumes();

    const attempt = (headers: Record<string, string>) =>
      Promise.all(
        [
          fetch(`${service.url}/sagas`, { headers }),
          fetch(`${service.url}/sagas/${saga.id}`, { headers }),
          fetch(`${service.url}/admin/dead-letters`, { headers }),
          fetch(`${service.url}/admin/dead-letters/replay`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ queue: 'inventory-worker.commands', sagaId, reason: 'x', force: true }),
          }),
          fetch(`${service.url}/admin/sagas/${saga.id}/retry`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ reason: 'x' }),
          }),
        ].map(async (response) => (await response).status),
      );

    expect(await attempt({})).toEqual([401, 401, 401, 401, 401]);
    expect(await attempt(infra.identity.as('ada'))).toEqual([403, 403, 403, 403, 403]);
    expect(await attempt(infra.identity.as('shop-admin', Role.Admin))).toEqual([403, 403, 403, 403, 403]);
    expect(await queueDepth(infra.amqpUrl, deadLetterQueueName(queue))).toBe(1);
    expect(await resumes()).toBe(resumedBefore);
  });
});
