import { randomUUID } from 'node:crypto';
import { FailureCode, type SagaReply } from '@saga/contracts';
import {
  applyReply,
  applyTimeout,
  InvalidReplyError,
  resumeSaga,
  SagaStatus,
  startSaga,
  withLimits,
  type Decision,
  type EngineClock,
  type SagaDecision,
  type SagaState,
} from '@saga/saga';
import { orderSagaV1 as orderSaga } from './order-saga';
import type { OrderSagaInput } from './order-saga-input';

const clock: EngineClock = { now: new Date('2026-01-01T00:00:00Z'), newId: () => randomUUID(), random: () => 0.5 };
/** The same clock, `ms` later. */
const later = (ms: number): EngineClock => ({ ...clock, now: new Date(clock.now.getTime() + ms) });
const product = randomUUID();

function itemsOrder(): OrderSagaInput {
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

function success(state: SagaState): Extract<SagaReply, { outcome: 'success' }> {
  const awaiting = state.awaiting!;
  return {
    commandId: awaiting.commandId,
    commandType: awaiting.commandType,
    outcome: 'success',
    result: results[awaiting.commandType] ?? {},
  };
}

function failure(state: SagaState, code: FailureCode = FailureCode.CardDeclined): SagaReply {
  const awaiting = state.awaiting!;
  return {
    commandId: awaiting.commandId,
    commandType: awaiting.commandType,
    outcome: 'failure',
    failure: { code, message: 'Your card was declined.' },
  };
}

function reply(state: SagaState, r: SagaReply): SagaDecision {
  return accepted(applyReply(orderSaga, state, r, clock));
}

function accepted(decision: Decision): SagaDecision {
  if (!decision.accepted) throw new Error(decision.reason);
  return decision;
}

/** Answers every command with success until the saga waits for `stopAt` (or ends); returns commands sent. */
function runUntil(decision: SagaDecision, stopAt?: string): { decision: SagaDecision; sent: string[] } {
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
    const fromCart: OrderSagaInput = { ...itemsOrder(), source: 'cart', items: [] };
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
    const fromCart: OrderSagaInput = { ...itemsOrder(), source: 'cart', items: [] };
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
    expect(once.commands[0].notBefore).toBe(later(orderSaga.retryBaseDelayMs).now.toISOString());
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
    expect(decision.state.stalled).toMatchObject({ stepId: 'commit-stock', phase: 'action' });
    expect(decision.state.stalled?.reason).toContain('inventory.commit failed 5 times');
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

  it('sends a step before the pivot again while its failure may pass, and compensates once the tries run out', () => {
    let { decision } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
    for (let attempt = 2; attempt <= orderSaga.maxAttempts; attempt++) {
      decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));
      expect(decision.state.status).toBe(SagaStatus.Running);
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'payment.authorize', attempt })]);
    }

    decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));

    expect(decision.state.status).toBe(SagaStatus.Compensating);
    expect(decision.state.failure).toMatchObject({ stepId: 'authorize-payment', code: 'provider_unavailable' });
    expect(decision.commands).toEqual([expect.objectContaining({ type: 'inventory.release' })]);
  });

  it('stops a step after the pivot for a person at once when its failure cannot pass by trying again', () => {
    const { decision: atCommit } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.commit');

    const decision = reply(atCommit.state, failure(atCommit.state, FailureCode.InvalidState));

    expect(decision.state.status).toBe(SagaStatus.RequiresAttention);
    expect(decision.commands).toEqual([]);
    expect(decision.state.stalled).toMatchObject({
      stepId: 'commit-stock',
      phase: 'action',
      reason: expect.stringMatching(/^inventory\.commit failed with invalid_state: /),
    });
  });

  it('stops a compensation for a person at once when its failure cannot pass by trying again', () => {
    const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
    const compensating = reply(atAuthorize.state, failure(atAuthorize.state));

    const decision = reply(compensating.state, failure(compensating.state, FailureCode.InvalidState));

    expect(decision.state.status).toBe(SagaStatus.RequiresAttention);
    expect(decision.state.stalled).toMatchObject({ stepId: 'reserve-stock', phase: 'compensation' });
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

  it('waits longer before each re-send, doubling from the base up to the cap, with jitter', () => {
    const jittered = (random: number, attempt: number) => {
      let { decision } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.commit');
      for (let a = 1; a <= attempt; a++) {
        decision = accepted(
          applyReply(orderSaga, decision.state, failure(decision.state, 'provider_unavailable'), {
            ...clock,
            random: () => random,
          }),
        );
      }
      return Date.parse(decision.commands[0].notBefore!) - clock.now.getTime();
    };
    expect(jittered(0.5, 1)).toBe(1000);
    expect(jittered(0.5, 2)).toBe(2000);
    expect(jittered(0.5, 3)).toBe(4000);
    expect(jittered(0, 1)).toBe(800);
    expect(jittered(0.999999, 1)).toBe(1200);
    const capped = withLimits(orderSaga, { retryMaxDelayMs: 1500 });
    expect(capped.retryMaxDelayMs).toBe(1500);
    expect(capped.steps).toBe(orderSaga.steps);
  });

  it('counts a re-sent command’s deadline from when it is sent', () => {
    const { decision: atCommit } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.commit');
    const retried = reply(atCommit.state, failure(atCommit.state, FailureCode.ProviderUnavailable));
    expect(Date.parse(retried.state.awaiting!.deadlineAt) - Date.parse(retried.commands[0].notBefore!)).toBe(
      orderSaga.defaultTimeoutMs,
    );
  });

  describe('deadlines', () => {
    it('changes nothing before the deadline', () => {
      const started = startSaga(orderSaga, itemsOrder(), clock);
      expect(applyTimeout(orderSaga, started.state, later(1000))).toMatchObject({ accepted: false });
    });

    it('fails a compensatable step that did not answer and compensates it too, since it may have run', () => {
      const { decision: atReserve } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'inventory.reserve');
      const timedOut = accepted(applyTimeout(orderSaga, atReserve.state, later(orderSaga.defaultTimeoutMs)));

      expect(timedOut.state.status).toBe(SagaStatus.Compensating);
      expect(timedOut.state.failure).toMatchObject({ stepId: 'reserve-stock', code: 'step_timed_out' });
      expect(timedOut.log.map((e) => [e.type, e.stepId])).toEqual([
        ['step-timed-out', 'reserve-stock'],
        ['compensation-started', 'reserve-stock'],
      ]);
      const { decision, sent } = runUntil(timedOut);
      expect([timedOut.commands[0].type, ...sent.slice(1)]).toEqual(['inventory.release', 'order.reject']);
      expect(decision.state.status).toBe(SagaStatus.Failed);
    });

    it('sends the pivot again rather than compensating it when it did not answer', () => {
      const { decision: atCapture } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.capture');
      const timedOut = accepted(applyTimeout(orderSaga, atCapture.state, later(orderSaga.defaultTimeoutMs)));

      expect(timedOut.state.status).toBe(SagaStatus.Running);
      expect(timedOut.commands).toEqual([expect.objectContaining({ type: 'payment.capture', attempt: 2 })]);
      expect(timedOut.log.map((e) => e.type)).toEqual(['step-timed-out', 'step-retried']);
    });

    it('sends a compensation again when it did not answer', () => {
      const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
      const declined = reply(atAuthorize.state, failure(atAuthorize.state));
      const timedOut = accepted(applyTimeout(orderSaga, declined.state, later(orderSaga.defaultTimeoutMs)));

      expect(timedOut.state.status).toBe(SagaStatus.Compensating);
      expect(timedOut.commands).toEqual([expect.objectContaining({ type: 'inventory.release', attempt: 2 })]);
    });
  });

  describe('resuming a saga that needs attention', () => {
    function stalledCompensation() {
      const { decision: atAuthorize } = runUntil(startSaga(orderSaga, itemsOrder(), clock), 'payment.authorize');
      let decision = reply(atAuthorize.state, failure(atAuthorize.state));
      for (let attempt = 1; attempt <= orderSaga.maxAttempts; attempt++) {
        decision = reply(decision.state, failure(decision.state, FailureCode.ProviderUnavailable));
      }
      return decision;
    }

    it('re-sends the command it gave up on, from a first attempt, and finishes the saga', () => {
      const stalled = stalledCompensation();
      expect(stalled.state.stalled).toMatchObject({ stepId: 'reserve-stock', phase: 'compensation' });

      const resumed = accepted(resumeSaga(orderSaga, stalled.state, later(60_000)));
      expect(resumed.state).toMatchObject({ status: SagaStatus.Compensating, stalled: null });
      expect(resumed.commands).toEqual([
        expect.objectContaining({ type: 'inventory.release', attempt: 1, notBefore: null }),
      ]);
      expect(resumed.log[0]).toMatchObject({ type: 'saga-resumed', stepId: 'reserve-stock' });

      const { decision } = runUntil(resumed);
      expect(decision.state.status).toBe(SagaStatus.Failed);
    });

    it('refuses to resume a saga that does not need attention', () => {
      expect(resumeSaga(orderSaga, startSaga(orderSaga, itemsOrder(), clock).state, clock)).toMatchObject({
        accepted: false,
      });
    });
  });
});
