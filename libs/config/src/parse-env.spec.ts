import { z } from 'zod';
import { ConfigError } from './config-error';
import { baseEnv, httpPort } from './fields';
import { loadConfig, parseEnv } from './parse-env';

const schema = z.object({ ...baseEnv, PORT: httpPort(3001) });
const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

describe('parseEnv', () => {
  it('returns typed values with defaults filled in', () => {
    expect(parseEnv(schema, valid)).toEqual({
      ...valid,
      NAMESPACE: 'shop',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      RETRY_DELAYS_MS: [500, 2000, 8000, 30000],
      PORT: 3001,
    });
  });

  it('reads the retry delays as comma-separated milliseconds', () => {
    expect(parseEnv(schema, { ...valid, RETRY_DELAYS_MS: '100,200,400' }).RETRY_DELAYS_MS).toEqual([100, 200, 400]);
    expect(parseEnv(schema, { ...valid, RETRY_DELAYS_MS: ' 250 , 1000 ' }).RETRY_DELAYS_MS).toEqual([250, 1000]);
    expect(parseEnv(schema, { ...valid, RETRY_DELAYS_MS: '5000' }).RETRY_DELAYS_MS).toEqual([5000]);
  });

  it.each(['', '100,,200', '100,-5', '0,100', '1.5', 'soon', '100;200', '99999999999999999999'])(
    'rejects RETRY_DELAYS_MS=%j naming the variable',
    (value) => {
      expect(() => parseEnv(schema, { ...valid, RETRY_DELAYS_MS: value })).toThrow(
        /RETRY_DELAYS_MS: expected comma-separated positive integers/,
      );
    },
  );

  it('coerces a port from its string form and accepts 0 for any free port', () => {
    expect(parseEnv(schema, { ...valid, PORT: '8080' }).PORT).toBe(8080);
    expect(parseEnv(schema, { ...valid, PORT: '0' }).PORT).toBe(0);
  });

  it('accepts postgresql:// and amqps:// URLs', () => {
    const env = { DATABASE_URL: 'postgresql://u:p@db/app', AMQP_URL: 'amqps://u:p@mq:5671/vh' };
    expect(parseEnv(schema, env)).toMatchObject(env);
  });

  it('names every bad variable in one error', () => {
    const env = { AMQP_URL: 'http://mq', PORT: '70000', NAMESPACE: 'Bad_Name', LOG_LEVEL: 'trace' };
    let error: unknown;
    try {
      parseEnv(schema, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.problem]));
    expect(problems).toEqual({
      DATABASE_URL: 'required',
      AMQP_URL: expect.stringContaining('URL of the form amqp:'),
      PORT: 'expected an integer 0-65535',
      NAMESPACE: expect.stringContaining('lowercase letter'),
      LOG_LEVEL: 'expected one of error, warn, info, debug',
    });
    expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}DATABASE_URL: required\n/);
    expect((error as Error).message).toContain('\n  PORT: expected an integer 0-65535');
  });

  it('rejects a port that is not an integer', () => {
    expect(() => parseEnv(schema, { ...valid, PORT: 'eighty' })).toThrow('PORT: expected an integer 0-65535');
    expect(() => parseEnv(schema, { ...valid, PORT: '80.5' })).toThrow('PORT: expected an integer 0-65535');
  });
});

describe('loadConfig', () => {
  it('returns the config when the environment is valid', () => {
    expect(loadConfig(schema, valid).PORT).toBe(3001);
  });

  it('writes the problems to stderr and exits 1 when the environment is invalid', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => loadConfig(schema, {})).toThrow('exit 1');
      expect(write).toHaveBeenCalledWith(expect.stringContaining('DATABASE_URL: required'));
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});
