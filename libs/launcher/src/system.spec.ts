import { AppProcess } from './app-process';
import {
  appEntry,
  RunningSystem,
  systemApps,
  systemPorts,
  systemSpecs,
  type SystemApp,
  type SystemPorts,
} from './system';

const usualPorts: SystemPorts = {
  'order-api': { PORT: 3000 },
  'inventory-worker': { PORT: 3001 },
  'payment-worker': { PORT: 3002 },
  'cart-worker': { PORT: 3003 },
  'order-saga': { PORT: 3004 },
  'notification-worker': { PORT: 3005 },
  'mail-sink': { PORT: 8025, SMTP_PORT: 1025 },
};

describe('the system', () => {
  it('has every app, the notification worker and the mail sink among them, each with its usual ports', async () => {
    expect(await systemPorts('default')).toEqual(usualPorts);
    expect(Object.keys(systemApps)).toEqual(Object.keys(usualPorts));
  });

  it('picks free ports, SMTP_PORT too, all different, when any will do', async () => {
    const ports = await systemPorts('any');

    const all = Object.values(ports).flatMap((p) => Object.values(p));
    expect(Object.keys(ports['mail-sink']).sort()).toEqual(['PORT', 'SMTP_PORT']);
    expect(new Set(all).size).toBe(all.length);
    expect(
      all.every((port) => port > 0 && !Object.values(usualPorts).some((u) => Object.values(u).includes(port))),
    ).toBe(true);
  });

  it("gives the notification worker the sink's SMTP and HTTP addresses, and the sink its SMTP port", () => {
    const ports: SystemPorts = { ...usualPorts, 'mail-sink': { PORT: 40001, SMTP_PORT: 40002 } };

    const specs = systemSpecs(
      { env: { HOST: '127.0.0.2', DATABASE_URL: 'postgres://x@db/saga' }, ports: 'any' },
      ports,
    );

    expect(specs['notification-worker'][0]).toMatchObject({
      port: 3005,
      env: {
        SMTP_URL: 'smtp://127.0.0.2:40002',
        MAIL_SINK_URL: 'http://127.0.0.2:40001',
        SHOP_URL: 'http://127.0.0.2:3000',
        INVENTORY_URL: 'http://127.0.0.2:3001',
      },
    });
    expect(specs['mail-sink']).toEqual([
      {
        name: 'mail-sink',
        entry: appEntry('mail-sink'),
        port: 40001,
        // What every app gets comes along; the sink reads none of it but HOST.
        env: { HOST: '127.0.0.2', DATABASE_URL: 'postgres://x@db/saga', SMTP_PORT: '40002' },
        nodeArgs: undefined,
      },
    ]);
    expect(specs['cart-worker'][0].env).toMatchObject({ INVENTORY_URL: 'http://127.0.0.2:3001' });
  });

  it('lets env name a URL the launcher would give, but not the SMTP port it chose', () => {
    const specs = systemSpecs(
      {
        env: { SMTP_URL: 'smtp://mail.example:25' },
        appEnv: { 'mail-sink': { SMTP_PORT: '9' } },
        ports: 'default',
      },
      usualPorts,
    );

    expect(specs['notification-worker'][0].env.SMTP_URL).toBe('smtp://mail.example:25');
    expect(specs['mail-sink'][0].env.SMTP_PORT).toBe('1025');
  });

  it('runs replicas of every app but the mail sink, whose messages live in one process on one SMTP port', () => {
    const specs = systemSpecs({ env: {}, ports: 'default', replicas: 3 }, usualPorts);

    expect(specs['payment-worker'].map((s) => [s.name, s.port])).toEqual([
      ['payment-worker', 3002],
      ['payment-worker#2', undefined],
      ['payment-worker#3', undefined],
    ]);
    expect(specs['notification-worker']).toHaveLength(3);
    expect(specs['mail-sink'].map((s) => s.name)).toEqual(['mail-sink']);
  });

  it("names the sink's SMTP server as smtpUrl", () => {
    const specs = systemSpecs({ env: {}, ports: 'default' }, usualPorts);
    const replicas = Object.fromEntries(
      Object.entries(specs).map(([name, list]) => [name, list.map((spec) => new AppProcess(spec))]),
    ) as Record<SystemApp, AppProcess[]>;
    const apps = Object.fromEntries(Object.entries(replicas).map(([name, list]) => [name, list[0]])) as Record<
      SystemApp,
      AppProcess
    >;

    expect(new RunningSystem(apps, replicas).smtpUrl).toBe('smtp://127.0.0.1:1025');
  });
});
