import { brokerRetryDelayMs, defaultBrokerRetryPolicy, type BrokerRetryPolicy } from './broker-retries';
import { defaultRelayMaxBackoffMs, relayBackoffMs } from './relay-backoff';
import { defaultSagaResendPolicy, sagaResendDelayMs } from './saga-resends';

const policy: BrokerRetryPolicy = { delaysMs: [100, 1000], jitter: 0.5 };

describe('brokerRetryDelayMs', () => {
  it('stretches the configured delay by up to the jitter, never shortening it', () => {
    expect(brokerRetryDelayMs(policy, 1, () => 0)).toBe(100);
    expect(brokerRetryDelayMs(policy, 1, () => 0.999999)).toBe(150);
    expect(brokerRetryDelayMs(policy, 2, () => 0.5)).toBe(1250);
    for (let i = 0; i < 100; i++) {
      const delay = brokerRetryDelayMs(defaultBrokerRetryPolicy, 3);
      expect(delay).toBeGreaterThanOrEqual(8000);
      expect(delay).toBeLessThanOrEqual(9600);
    }
  });

  it('has no delay for a retry beyond the policy', () => {
    expect(() => brokerRetryDelayMs(policy, 3)).toThrow(RangeError);
  });

  it('is by default four retries after 0.5, 2, 8 and 30 seconds with 20% jitter', () => {
    expect(defaultBrokerRetryPolicy).toEqual({ delaysMs: [500, 2000, 8000, 30000], jitter: 0.2 });
  });
});

describe('sagaResendDelayMs', () => {
  it('doubles from the base with each attempt up to the cap, within ±20%', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => sagaResendDelayMs(defaultSagaResendPolicy, attempt, 0.5));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(sagaResendDelayMs(defaultSagaResendPolicy, 1, 0)).toBe(800);
    expect(sagaResendDelayMs(defaultSagaResendPolicy, 1, 0.999999)).toBe(1_200);
  });

  it('sends a command five times by default, the first re-send after about a second', () => {
    expect(defaultSagaResendPolicy).toEqual({ retryBaseDelayMs: 1_000, retryMaxDelayMs: 60_000, maxAttempts: 5 });
  });
});

describe('relayBackoffMs', () => {
  it('waits 100 ms after the first failed publish, doubling to at most 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((failures) => relayBackoffMs(failures))).toEqual([
      100,
      200,
      400,
      800,
      1_600,
      3_200,
      defaultRelayMaxBackoffMs,
      defaultRelayMaxBackoffMs,
    ]);
    expect(relayBackoffMs(3, 250)).toBe(250);
  });
});
