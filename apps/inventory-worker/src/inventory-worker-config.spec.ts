import { ConfigError, parseEnv } from '@saga/config';
import { InventoryWorkerConfig } from './inventory-worker-config';

describe('inventory worker config', () => {
  const env = { DATABASE_URL: 'postgres://inventory@127.0.0.1:5432/saga', AMQP_URL: 'amqp://127.0.0.1:5672' };
  const problemsOf = (environment: NodeJS.ProcessEnv) => {
    try {
      parseEnv(InventoryWorkerConfig, environment);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('takes a low-stock threshold of 5 when LOW_STOCK_THRESHOLD is unset', () => {
    expect(parseEnv(InventoryWorkerConfig, env).LOW_STOCK_THRESHOLD).toBe(5);
  });

  it('takes the LOW_STOCK_THRESHOLD it is given', () => {
    expect(parseEnv(InventoryWorkerConfig, { ...env, LOW_STOCK_THRESHOLD: '12' }).LOW_STOCK_THRESHOLD).toBe(12);
  });

  it.each(['0', '-2', '2.5', 'five', '', '1000000001'])(
    'refuses LOW_STOCK_THRESHOLD=%p, saying what it expects',
    (value) => {
      expect(problemsOf({ ...env, LOW_STOCK_THRESHOLD: value })).toEqual([
        { variable: 'LOW_STOCK_THRESHOLD', problem: 'expected an integer from 1 to 1000000000' },
      ]);
    },
  );
});
