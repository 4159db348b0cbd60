import { InvalidMessageError } from '@saga/contracts';
import { classifyFailure, DeathReason, recoveryFor } from './failure-recovery';
import type { BrokerRetryPolicy } from '@saga/retry';

const policy: BrokerRetryPolicy = { delaysMs: [100, 1000], jitter: 0.5 };
const noJitter = () => 0;

describe('recoveryFor', () => {
  it('dead-letters an invalid message at once, whatever the attempt', () => {
    const invalid = new InvalidMessageError('payload is invalid', 'cart.clear');
    expect(classifyFailure(invalid)).toBe('invalid');
    expect(recoveryFor(invalid, 1, policy)).toEqual({ action: 'dead_letter', reason: DeathReason.InvalidMessage });
    expect(recoveryFor(invalid, 0, policy)).toEqual({ action: 'dead_letter', reason: DeathReason.InvalidMessage });
  });

  it('retries any other failure through each retry queue in turn, then dead-letters it', () => {
    const fault = new Error('connection reset');
    expect(classifyFailure(fault)).toBe('transient');
    expect(recoveryFor(fault, 1, policy, noJitter)).toEqual({ action: 'retry', attempt: 1, delayMs: 100 });
    expect(recoveryFor(fault, 2, policy, noJitter)).toEqual({ action: 'retry', attempt: 2, delayMs: 1000 });
    expect(recoveryFor(fault, 3, policy, noJitter)).toEqual({
      action: 'dead_letter',
      reason: DeathReason.RetriesExhausted,
    });
  });

  it('treats a thrown non-error as transient too', () => {
    expect(recoveryFor('boom', 1, policy, noJitter)).toEqual({ action: 'retry', attempt: 1, delayMs: 100 });
  });

  it('dead-letters a failure at once when the policy has no retries', () => {
    expect(recoveryFor(new Error('x'), 1, { delaysMs: [], jitter: 0 })).toEqual({
      action: 'dead_letter',
      reason: DeathReason.RetriesExhausted,
    });
  });
});
