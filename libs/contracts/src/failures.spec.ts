import { Failure, FailureCode, isRetryable } from './failures';

const retryable: readonly FailureCode[] = [FailureCode.ProviderUnavailable, FailureCode.StepTimedOut];

describe('isRetryable', () => {
  it.each(Object.values(FailureCode))('classifies %s', (code) => {
    expect(isRetryable(code)).toBe(retryable.includes(code));
  });

  it('says a retry can help only when the failure was transient', () => {
    const classified = Object.values(FailureCode).filter((code) => isRetryable(code));

    expect(classified.sort()).toEqual([...retryable].sort());
  });

  it('throws for a code nobody classified instead of guessing', () => {
    expect(() => isRetryable('lost_in_space' as FailureCode)).toThrow('failure code lost_in_space is not classified');
  });
});

describe('Failure', () => {
  it('accepts every failure code and nothing else', () => {
    for (const code of Object.values(FailureCode)) {
      expect(Failure.safeParse({ code, message: 'why' }).success).toBe(true);
    }
    expect(Failure.safeParse({ code: 'lost_in_space', message: 'why' }).success).toBe(false);
  });
});
