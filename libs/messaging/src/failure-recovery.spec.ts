import { InvalidMessageError } from '@saga/contracts';
import { classifyFailure, DeathReason, recoveryFor } from './failure-recovery';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from './retry-policy';

const policy: RetryPolicy = { delaysMs: [100, 1000], jitter: 0.5 };
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

describe('retryDelayMs', () => {
  it('stretches the configured delay by up to the jitter, never shortening it', () => {
    expect(retryDelayMs(policy, 1, () => 0)).toBe(100);
    expect(retryDelayMs(policy, 1, () => 0.999999)).toBe(150);
    expect(retryDelayMs(policy, 2, () => 0.5)).toBe(1250);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(defaultRetryPolicy, 3);
      expect(delay).toBeGreaterThanOrEqual(8000);
      expect(delay).toBeLessThanOrEqual(9600);
    }
  });

  it('has no delay for a retry beyond the policy', () => {
    expect(() => retryDelayMs(policy, 3)).toThrow(RangeError);
  });

  it('is by default four retries after 0.5, 2, 8 and 30 seconds with 20% jitter', () => {
    expect(defaultRetryPolicy).toEqual({ delaysMs: [500, 2000, 8000, 30000], jitter: 0.2 });
  });
});
