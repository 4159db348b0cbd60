import { orderProcess, orderReject, paymentCapture } from '@saga/contracts';
import { defineSaga, InvalidSagaDefinitionError } from './definition';
import { stepsOf } from './step';

interface Data {
  orderId: string;
}
const steps = stepsOf<Data>();
const undoable = steps.compensatable({
  id: 'a',
  action: { command: orderProcess, payload: (d) => ({ orderId: d.orderId }) },
  compensation: { command: orderReject, payload: (d, f) => ({ orderId: d.orderId, code: f.code, reason: f.message }) },
});
const pivot = steps.pivot({ id: 'p', action: { command: paymentCapture, payload: (d) => ({ orderId: d.orderId }) } });
const forward = steps.retriable({
  id: 'r',
  action: { command: orderProcess, payload: (d) => ({ orderId: d.orderId }) },
});

describe('saga definitions', () => {
  it('keeps the steps in the order they were given, with their kinds', () => {
    const saga = defineSaga<Data>('s', 3).step(undoable).pivot(pivot).step(forward).build();
    expect(saga.steps.map((s) => [s.id, s.kind])).toEqual([
      ['a', 'compensatable'],
      ['p', 'pivot'],
      ['r', 'retriable'],
    ]);
    expect(saga.version).toBe(3);
  });

  it('rejects a step id used twice', () => {
    expect(() => defineSaga<Data>('s', 1).step(undoable).step(undoable).build()).toThrow(InvalidSagaDefinitionError);
  });

  it('makes the step taxonomy a type rule', () => {
    const afterPivot = defineSaga<Data>('s', 1).step(undoable).pivot(pivot);
    // @ts-expect-error a second pivot does not fit after the first
    expect(afterPivot.pivot).toBeUndefined();
    // @ts-expect-error a compensatable step does not fit after the pivot
    afterPivot.step(undoable);
    // @ts-expect-error a retriable step does not fit before the pivot
    defineSaga<Data>('s', 1).step(forward);
  });
});
