import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value the probe yields', async () => {
    let calls = 0;
    const value = await waitFor(async () => (++calls >= 3 ? { calls } : undefined), {
      intervalMs: 5,
      description: 'three calls',
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('keeps polling past a probe that throws', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        return calls;
      },
      { intervalMs: 5, description: 'a second call' },
    );
    expect(value).toBe(2);
  });

  it('throws naming what it waited for when the timeout passes', async () => {
    await expect(
      waitFor(async () => false, { timeoutMs: 50, intervalMs: 10, description: 'the order to complete' }),
    ).rejects.toThrow('timed out after 50 ms waiting for the order to complete');
  });
});
