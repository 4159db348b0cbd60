import { randomUUID } from 'node:crypto';
import { FailureCode, type SagaReply } from '@saga/contracts';
import { applyReply, SagaStatus, startSaga, type Decision, type EngineClock, type SagaState } from '@saga/saga';
import { refundSagaV1 as refundSaga } from './refund-saga';
import type { RefundSagaInput } from './refund-saga-input';

const clock: EngineClock = { now: new Date('2026-01-01T00:00:00Z'), newId: () => randomUUID(), random: () => 0.5 };

function refundOf(): RefundSagaInput {
  return {
    refundId: randomUUID(),
    orderId: randomUUID(),
    userId: 'ada',
    items: [{ productId: randomUUID(), quantity: 1, name: 'Kettle', unitPrice: 4_900 }],
    amount: 4_900,
    currency: 'USD',
  };
}

const results: Record<string, unknown> = {
  'payment.refund': { paymentId: randomUUID(), amount: 4_900, refundedInAll: 4_900 },
  'order.complete-refund': { orderStatus: 'REFUNDED' },
};

function answer(state: SagaState, failure?: { code: FailureCode; message: string }): SagaReply {
  const { commandId, commandType } = state.awaiting!;
  return failure
    ? { commandId, commandType, outcome: 'failure', failure }
    : { commandId, commandType, outcome: 'success', result: results[commandType] ?? {} };
}

function accepted(decision: Decision) {
  if (!decision.accepted) throw new Error(decision.reason);
  return decision;
}

/** A refund saga opened, then answered at refund-payment with this failure. */
function paymentAnswered(failure: { code: FailureCode; message: string }) {
  const opened = startSaga(refundSaga, refundOf(), clock);
  const atPayment = accepted(applyReply(refundSaga, opened.state, answer(opened.state), clock));
  return accepted(applyReply(refundSaga, atPayment.state, answer(atPayment.state, failure), clock));
}

describe('refund saga engine', () => {
  it('opens the refund, gives the money back, returns the stock and completes, in that order', () => {
    const input = refundOf();
    let decision = startSaga(refundSaga, input, clock);
    const sent = decision.commands.map((c) => [c.type, c.payload]);
    while (decision.state.awaiting) {
      decision = accepted(applyReply(refundSaga, decision.state, answer(decision.state), clock));
      sent.push(...decision.commands.map((c) => [c.type, c.payload]));
    }

    expect(decision.state.status).toBe(SagaStatus.Completed);
    expect(sent.map(([type]) => type)).toEqual([
      'order.open-refund',
      'payment.refund',
      'inventory.return',
      'order.complete-refund',
    ]);
    expect(sent[1][1]).toMatchObject({ amount: 4_900, currency: 'USD' });
    expect(sent[2][1]).toEqual({
      refundId: input.refundId,
      orderId: input.orderId,
      items: [{ productId: input.items[0].productId, quantity: 1 }],
    });
  });

  it('fails the refund, giving its lines back, when the payment worker refuses the money', () => {
    const refused = paymentAnswered({ code: FailureCode.AmountTooLarge, message: 'Only $10.00 is left to refund.' });

    expect(refused.commands.map((c) => [c.type, c.payload])).toEqual([
      [
        'order.fail-refund',
        expect.objectContaining({ code: 'amount_too_large', reason: 'Only $10.00 is left to refund.' }),
      ],
    ]);
    const failed = accepted(applyReply(refundSaga, refused.state, answer(refused.state), clock));
    expect(failed.state.status).toBe(SagaStatus.Failed);
  });

  it('sends the money back again, not compensating, when the provider is unavailable', () => {
    const unavailable = paymentAnswered({ code: FailureCode.ProviderUnavailable, message: 'Stripe is down.' });

    expect(unavailable.state.status).toBe(SagaStatus.Running);
    expect(unavailable.state.awaiting).toMatchObject({ commandType: 'payment.refund', attempt: 2 });
  });
});
