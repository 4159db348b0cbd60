import { errorHeader, replayHeaders, retriesSoFar, withoutBrokerHeaders } from './message-headers';

describe('message headers', () => {
  it('reads the retries so far, treating a missing or malformed header as none', () => {
    expect(retriesSoFar({})).toBe(0);
    expect(retriesSoFar({ 'x-retry-attempt': 2 })).toBe(2);
    expect(retriesSoFar({ 'x-retry-attempt': 'two' })).toBe(0);
    expect(retriesSoFar({ 'x-retry-attempt': -1 })).toBe(0);
  });

  it('drops the headers RabbitMQ maintains from a copy', () => {
    expect(
      withoutBrokerHeaders({
        'x-saga-id': 's',
        'x-delivery-count': 2,
        'x-death': [{ queue: 'q', reason: 'expired' }],
        'x-first-death-reason': 'expired',
        'x-last-death-queue': 'q',
        traceparent: 't',
      }),
    ).toEqual({ 'x-saga-id': 's', traceparent: 't' });
  });

  it('resets a dead letter to its first delivery, keeping the saga headers and marking the replay', () => {
    const replayedAt = new Date('2025-01-02T03:04:05.000Z');
    expect(
      replayHeaders(
        {
          'x-saga-id': 's',
          'x-saga-step': 'reserve-stock',
          traceparent: 't',
          'x-retry-attempt': 3,
          'x-last-error': 'e',
          'x-death-reason': 'retries_exhausted',
          'x-error-message': 'e',
          'x-attempts': 4,
          'x-original-queue': 'q',
          'x-original-routing-key': 'inventory.reserve',
          'x-failed-at': 'then',
          'x-message-type': 'inventory.reserve',
          'x-death': [],
          'x-delivery-count': 1,
        },
        replayedAt,
      ),
    ).toEqual({
      'x-saga-id': 's',
      'x-saga-step': 'reserve-stock',
      traceparent: 't',
      'x-original-routing-key': 'inventory.reserve',
      'x-replayed-at': '2025-01-02T03:04:05.000Z',
    });
  });

  it('truncates an error message to fit a header', () => {
    expect(errorHeader(new Error('x'.repeat(5000)))).toHaveLength(1000);
    expect(errorHeader('plain')).toBe('plain');
  });
});
