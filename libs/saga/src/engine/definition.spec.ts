import { randomUUID } from 'node:crypto';
import { paymentCapture } from '@saga/contracts';
import { approve, open, reserve, take, type ShopInput as Input } from '../testing/shop-saga';
import { startSaga, applyReply, type EngineClock } from './decide';
import { defineSaga, InvalidSagaDefinitionError } from './definition';
import { compensatable, pivot } from './step';

const takeAnyway = pivot({
  id: 'take-anyway',
  action: { command: paymentCapture, payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }) },
});

// Runs only sometimes: the steps after it may not find what it produces.
const maybeReserve = compensatable({
  ...reserve,
  id: 'maybe-reserve',
  when: (ctx: { orderId: string }) => ctx.orderId !== '',
});

const clock: EngineClock = { now: new Date('2026-01-01T00:00:00Z'), newId: () => randomUUID(), random: () => 0.5 };

describe('saga definitions', () => {
  it('keeps the steps in the order they were given, with their kinds', () => {
    const saga = defineSaga<Input>('s', 3).step(open).step(reserve).pivot(take).step(approve).build();
    expect(saga.steps.map((s) => [s.id, s.kind])).toEqual([
      ['open', 'compensatable'],
      ['reserve', 'compensatable'],
      ['take', 'pivot'],
      ['approve', 'retriable'],
    ]);
    expect(saga.version).toBe(3);
  });

  it('rejects a step id used twice, and a version that is not a positive integer', () => {
    expect(() => defineSaga<Input>('s', 1).step(open).step(open).build()).toThrow(InvalidSagaDefinitionError);
    expect(() => defineSaga<Input>('s', 0)).toThrow(InvalidSagaDefinitionError);
    expect(() => defineSaga<Input>('s', 1.5)).toThrow(InvalidSagaDefinitionError);
  });

  it('makes the step taxonomy a type rule', () => {
    const afterPivot = defineSaga<Input>('s', 1).step(open).step(reserve).pivot(take);
    // @ts-expect-error a second pivot does not fit after the first
    expect(afterPivot.pivot).toBeUndefined();
    // @ts-expect-error a compensatable step does not fit after the pivot
    afterPivot.step(open);
    // @ts-expect-error a retriable step does not fit before the pivot
    defineSaga<Input>('s', 1).step(approve);
  });

  it('makes a step that reads what no step above it produces a type error', () => {
    const opened = defineSaga<Input>('s', 1).step(open);
    // @ts-expect-error take reads the total, which only reserve produces
    opened.pivot(take);
    const maybePriced = opened.step(maybeReserve).pivot(takeAnyway);
    // @ts-expect-error approve reads the priced items, and maybe-reserve may not have run
    maybePriced.step(approve);
    // The same steps in an order where each finds what it reads compile.
    opened.step(reserve).pivot(take).step(approve);
  });

  it('passes a step exactly what the saga knows by then, its input and what the steps above produced', () => {
    const saga = defineSaga<Input>('s', 1).step(open).step(reserve).pivot(take).step(approve).build();
    const orderId = randomUUID();
    const items = [{ productId: randomUUID(), quantity: 2 }];
    let decision = startSaga(saga, { orderId, items }, clock);
    expect(decision.commands[0]).toMatchObject({ type: 'order.process', payload: { orderId } });

    const reply = (result: unknown) => {
      const { commandId, commandType } = decision.state.awaiting!;
      const next = applyReply(saga, decision.state, { commandId, commandType, outcome: 'success', result }, clock);
      if (!next.accepted) throw new Error(next.reason);
      decision = next;
    };
    reply({});
    expect(decision.commands[0]).toMatchObject({ type: 'inventory.reserve', payload: { orderId, items } });
    const priced = [{ ...items[0], name: 'Kettle', unitPrice: 2500 }];
    reply({ reservationId: randomUUID(), items: priced, total: 5000, currency: 'USD' });
    reply({ paymentId: randomUUID(), amount: 5000 });

    expect(decision.commands[0]).toMatchObject({
      type: 'order.approve',
      payload: { orderId, items: priced, total: 5000 },
    });
  });

  it('fingerprints the step list, so a changed list under the same version can be told apart', () => {
    const one = defineSaga<Input>('s', 1).step(open).step(reserve).pivot(take).step(approve).build();
    const same = defineSaga<Input>('s', 1, { maxAttempts: 9 })
      .step(open)
      .step(reserve)
      .pivot(take)
      .step(approve)
      .build();
    const other = defineSaga<Input>('s', 1).step(reserve).step(open).pivot(take).step(approve).build();
    expect(same.fingerprint).toBe(one.fingerprint);
    expect(other.fingerprint).not.toBe(one.fingerprint);
  });
});
