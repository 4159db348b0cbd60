import { randomUUID } from 'node:crypto';
import { FailureCode, type SagaReply } from '@saga/contracts';
import { orderSaga, type OrderSagaContext } from '../order-saga';
import { applyReply, InvalidReplyError, startSaga, type EngineClock, type SagaDecision } from './decide';
import { SagaStatus, type SagaState } from './state';

const clock: EngineClock = { now: new Date('2026-01-01T00:00:00Z'), newId: () => randomUUID() };
const product = randomUUID();

function itemsOrder(): OrderSagaContext {
  return {
    orderId: randomUUID(),
    userId: 'ada',
    source: 'items',
    items: [{ productId: product, quantity: 2 }],
    paymentMethod: { method: 'wallet' },
  };
}

const results: Record<string, unknown> = {
  'order.process': {},
  'cart.checkout': { cartId: randomUUID(), items: [{ productId: product, quantity: 2 }] },
  'inventory.reserve': {
    reservationId: randomUUID(),
    items: [{ productId: product, quantity: 2, name: 'Kettle', unitPrice: 2500 }],
    total: 5000,
    currency: 'USD',
  },
  'payment.authorize': { paymentId: randomUUID(), provider: 'wallet' },
  'payment.capture': { paymentId: randomUUID(), amount: 5000 },
};

function success(state: SagaState<OrderSagaContext>): Extract<SagaReply, { outcome: 'success' }> {
  const awaiting = state.awaiting!;
  return {
    commandId: awaiting.commandId,
    commandType: awaiting.commandType,
    outcome: 'success',
    result: results[awaiting.commandType] ?? {},
  };
}

function failure(state: SagaState<OrderSagaContext>, code: FailureCode = FailureCode.CardDeclined): SagaReply {
  const awaiting = state.awaiting!;
  return {
    commandId: awaiting.commandId,
    commandType: awaiting.commandType,
    outcome: 'failure',
    failure: { code, message: 'Your card was declined.' },
  };
}

function reply(state: SagaState<OrderSagaContext>, r: SagaReply): SagaDecision<OrderSagaContext> {
  const decision = applyReply(orderSaga, state, r, clock);
  if (!decision.accepted) throw new Error(decision.reason);
  return decision;
}

/** Answers every command with success until the saga waits for `stopAt` (or ends); returns commands sent. */
function runUntil(
  decision: SagaDecision<OrderSagaContext>,
  stopAt?: string,
): { decision: SagaDecision<OrderSagaContext>; sent: string[] } {
  const sent = decision.commands.map((c) => c.type);
  let current = decision;
  while (current.state.awaiting && current.state.awaiting.commandType !== stopAt) {
    current = reply(current.state, success(current.state));
    sent.push(...current.commands.map((c) => c.type));
  }
  return { decision: current, sent };
}

describe('order saga engine', () => {
  it('runs every step in order and completes when each succeeds', () => {
    const { decision, sent } = runUntil(startSaga(orderSaga, itemsOrder(), clock));

    expect(decision.state.status).toBe(SagaStatus.Completed);
    expect(sent).toEqual([
      'order.process',
      'inventory.reserve',
      'payment.authorize',
      'payment.capture',
      'inventory.commit',
      'order.approve',
    ]);
    expect(decision.state.context.total).toBe(5000);
    expect(decision.state.completedSteps).toEqual([
      'process-order',
      'reserve-stock',
      'authorize-payment',
      'capture-payment',
      'commit-stock',
      'approve-order',
    ]);
  });

  it('checks out and clears the cart only for an order placed from the cart', () => {
    const fromCart: OrderSagaContext = { ...itemsOrder(), source: 'cart', items: undefined };
    const { decision, sent } = runUntil(startSaga(orderSaga, fromCart, clock));

    expect(decision.state.status).toBe(SagaStatus.Completed);
    expect(sent).toEqual([
      'order.process',
      'cart.checkout',
      'inventory.reserve',
      'payment.authorize',
      'payment.capture',
      'inventory.commit',
      'cart.clear',
      'order.approve',
    ]);
    expect(decision.state.context.items).toEqual([{ productId: product, quantity: 2 }]);
  });

  it('logs skipped steps so the saga log accounts for every step', () => {
    const started = startSaga(orderSaga, itemsOrder(), clock);
    const afterProcess = reply(started.state, success(started.state));

    expect(afterProcess.log.map((e) => [e.type, e.stepId])).toEqual([
      ['step-succeeded', 'process-order'],
      ['step-skipped', 'checkout-cart'],
      ['step-started', 'reserve-stock'],
    ]);
  });

  it('releases stock and rejects the order, in that order, when the payment is declined', () => {
    const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
    const declined = reply(atAuthorize.state, failure(atAuthorize.state));
    expect(declined.state.status).toBe(SagaStatus.Compensating);

    const { decision, sent } = runUntil(declined);

    expect([...declined.commands.map((c) => c.type), ...sent.slice(declined.commands.length)]).toEqual([
      'inventory.release',
      'order.reject',
    ]);
    expect(decision.state.status).toBe(SagaStatus.Failed);
    expect(decision.state.compensatedSteps).toEqual(['reserve-stock', 'process-order']);
    expect(decision.state.failure).toEqual({
      stepId: 'authorize-payment',
      code: 'card_declined',
      message: 'Your card was declined.',
    });
  });

  it('hands the failure reason and the known prices to the order rejection', () => {
    const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
    const declined = reply(atAuthorize.state, failure(atAuthorize.state));
    const rejection = reply(declined.state, success(declined.state));

    expect(rejection.commands[0]).toMatchObject({
      type: 'order.reject',
      phase: 'compensation',
      payload: { code: 'card_declined', reason: 'Your card was declined.', total: 5000 },
    });
  });

  it('undoes the cart checkout last-but-one when stock is missing', () => {
    const fromCart: OrderSagaContext = { ...itemsOrder(), source: 'cart', items: undefined };
    const { decision: atReserve } = runUntil(startSaga(orderSaga, fromCart, clock), 'inventory.reserve');
    const noStock = reply(atReserve.state, failure(atReserve.state, FailureCode.OutOfStock));
    const { decision, sent } = runUntil(noStock);

    expect([noStock.commands[0].type, ...sent.slice(1)]).toEqual(['cart.release', 'order.reject']);
    expect(decision.state.status).toBe(SagaStatus.Failed);
  });

  it('ignores a reply to a command it does not wait for, and a second copy of an accepted reply', () => {
    const started = startSaga(orderSaga, itemsOrder(), clock);
    const stale: SagaReply = { ...success(started.state), commandId: randomUUID() };
    expect(applyReply(orderSaga, started.state, stale, clock)).toMatchObject({ accepted: false });

    const first = success(started.state);
    const next = reply(started.state, first);
    expect(applyReply(orderSaga, next.state, first, clock)).toMatchObject({ accepted: false });
  });

  it('retries a failing step after the pivot and never compensates', () => {
    const { decision: atCommit } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.commit');
    const once = reply(atCommit.state, failure(atCommit.state, FailureCode.ProviderUnavailable));

    expect(once.state.status).toBe(SagaStatus.Running);
    expect(once.commands).toEqual([expect.objectContaining({ type: 'inventory.commit', attempt: 2 })]);
    expect(once.commands[0].commandId).not.toBe(atCommit.state.awaiting!.commandId);
    expect(once.log.map((e) => e.type)).toEqual(['step-failed', 'step-retried']);

    const { decision } = runUntil(once);
    expect(decision.state.status).toBe(SagaStatus.Completed);
  });

  it('needs attention when a step after the pivot keeps failing', () => {
    let { decision } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.commit');
    for (let attempt = 1; attempt <= orderSaga.maxAttempts; attempt++) {
      decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));
    }
    expect(decision.state.status).toBe(SagaStatus.RequiresAttention);
    expect(decision.state.attentionReason).toContain('commit-stock');
    expect(decision.commands).toEqual([]);
  });

  it('retries a failing compensation, then needs attention', () => {
    const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
    let decision = reply(atAuthorize.state, failure(atAuthorize.state));
    for (let attempt = 1; attempt < orderSaga.maxAttempts; attempt++) {
      decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'inventory.release', attempt: attempt + 1 })]);
    }
    decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));
    expect(decision.state.status).toBe(SagaStatus.RequiresAttention);
  });

  it('refuses a success reply whose result does not match the command contract', () => {
    const { decision } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.reserve');
    const bad: SagaReply = { ...success(decision.state), result: { reservationId: 'nope' } };
    expect(() => applyReply(orderSaga, decision.state, bad, clock)).toThrow(InvalidReplyError);
  });

  it('sets a deadline on every command it waits for', () => {
    const started = startSaga(orderSaga, itemsOrder(), clock);
    expect(started.state.awaiting!.deadlineAt).toBe(
      new Date(clock.now.getTime() + orderSaga.defaultTimeoutMs).toISOString(),
    );
  });
});
