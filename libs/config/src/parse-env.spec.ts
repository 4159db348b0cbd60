import { z } from 'zod';
import { ConfigError } from './config-error';
import { baseEnv, httpPort, optionalRetentionPeriod } from './fields';
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
      MESSAGE_RETENTION: 7 * 86_400_000,
      PORT: 3001,
      AUTH_ISSUER: 'saga-dev',
      AUTH_AUDIENCE: 'saga',
      AUTH_FAILURES_PER_MINUTE: 20,
      TRUST_PROXY: false,
    });
  });

  it('reads TRUST_PROXY as off, a number of hops, or a list of proxy addresses', () => {
    expect(parseEnv(schema, { ...valid, TRUST_PROXY: 'off' }).TRUST_PROXY).toBe(false);
    expect(parseEnv(schema, { ...valid, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseEnv(schema, { ...valid, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toBe(
      '10.0.0.0/8, 127.0.0.1',
    );
  });

  it('refuses a token secret shorter than 32 characters, and a public key that is not PEM', () => {
    expect(() => parseEnv(schema, { ...valid, AUTH_JWT_SECRET: 'short' })).toThrow(
      /AUTH_JWT_SECRET: expected a secret of at least 32/,
    );
    expect(() => parseEnv(schema, { ...valid, AUTH_JWT_PUBLIC_KEY: 'abc' })).toThrow(
      /AUTH_JWT_PUBLIC_KEY: expected a PEM public key/,
    );
  });

  it('reads a retention period in minutes, hours or days', () => {
    expect(parseEnv(schema, { ...valid, MESSAGE_RETENTION: '90m' }).MESSAGE_RETENTION).toBe(90 * 60_000);
    expect(parseEnv(schema, { ...valid, MESSAGE_RETENTION: ' 12H ' }).MESSAGE_RETENTION).toBe(12 * 3_600_000);
    expect(parseEnv(schema, { ...valid, MESSAGE_RETENTION: '30d' }).MESSAGE_RETENTION).toBe(30 * 86_400_000);
  });

  it.each(['', '7', 'd', '0d', '1.5d', '7 days', '-1d', '9999999d', 'off'])(
    'rejects MESSAGE_RETENTION=%j naming the variable',
    (value) => {
      expect(() => parseEnv(schema, { ...valid, MESSAGE_RETENTION: value })).toThrow(
        /MESSAGE_RETENTION: expected a whole number of minutes, hours or days/,
      );
    },
  );

  it('refuses a message retention under an hour, which would forget messages still being redelivered', () => {
    expect(() => parseEnv(schema, { ...valid, MESSAGE_RETENTION: '59m' })).toThrow(
      'MESSAGE_RETENTION: expected at least 60 minutes',
    );
  });

  it('reads off as kept for ever where a period may be off', () => {
    const history = z.object({ KEEP: optionalRetentionPeriod('off', 86_400_000) });
    expect(parseEnv(history, {}).KEEP).toBeNull();
    expect(parseEnv(history, { KEEP: '90d' }).KEEP).toBe(90 * 86_400_000);
    expect(() => parseEnv(history, { KEEP: 'never' })).toThrow(/KEEP: .*, or off/);
    expect(() => parseEnv(history, { KEEP: '12h' })).toThrow('KEEP: expected at least 1440 minutes');
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
