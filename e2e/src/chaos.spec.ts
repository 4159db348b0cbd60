import type { SystemApp } from '@saga/launcher';
import { restartBroker } from '@saga/testing';
import { FaultLog, faultTolerantSettings, settleAndReport, sleep } from './harness/fault-run';
import { MixedLoad } from './harness/mixed-load';
import { SeededRandom } from './harness/seeded-random';
import { SystemUnderTest } from './harness/system-under-test';

// The figure: 200 orders in flight while every app and the broker fail under them.
const orders = 200;

describe('chaos: every app killed at a random moment and the broker restarted, under 200 orders', () => {
  let sut: SystemUnderTest;
  const random = new SeededRandom();

  beforeAll(async () => {
    console.log(`chaos seed: ${random.seed} (replay with E2E_SEED=${random.seed})`);
    sut = await SystemUnderTest.start({ env: { ...faultTolerantSettings } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('settles every saga COMPLETED or FAILED with stock and money conserved and nothing captured twice', async () => {
    const load = await MixedLoad.prepare(sut, { orders, random });
    const faults = new FaultLog();
    const loadStartedAt = Date.now();
    const placing = load.place({ overMs: 45_000 });
    let placedAt = 0;
    void placing.then(() => (placedAt = Date.now())).catch(() => undefined);

    // Each app once, in a random order, with the broker's restart somewhere among them; one fault at a
    // time, so an app never starts against a broker that is down.
    await load.untilPlaced(10);
    const apps = random.shuffle(Object.keys(sut.system.apps) as SystemApp[]);
    const brokerAt = random.int(0, apps.length);
    for (let i = 0; i <= apps.length; i++) {
      if (i === brokerAt) {
        await sleep(random.int(1000, 3000));
        const at = faults.now;
        await restartBroker({ downMs: random.int(500, 2000) });
        faults.add(`broker restarted ${at}..${faults.now}`);
      }
      if (i === apps.length) break;
      const app = sut.system.apps[apps[i]];
      await sleep(random.int(1000, 3000));
      const at = faults.now;
      await app.kill();
      await sleep(random.int(0, 1000));
      await app.start();
      faults.add(`${apps[i]} SIGKILL ${at}, up ${faults.now}`);
    }

    await placing;
    const report = await settleAndReport(sut, load, {
      title: `chaos: ${orders} orders, ${apps.length} apps killed, broker restarted`,
      seed: random.seed,
      faults,
      loadStartedAt,
      placedAt: placedAt || Date.now(),
      // An app away past a step deadline may fail an order that could have completed; consistently.
      timeoutsAllowed: true,
    });

    expect(report.violations).toEqual([]);
    expect(report.ordersPlaced).toBe(orders);
    expect(report.sagasByStatus.REQUIRES_ATTENTION ?? 0).toBe(0);
    expect((report.sagasByStatus.COMPLETED ?? 0) + (report.sagasByStatus.FAILED ?? 0)).toBe(orders);
  }, 240_000);
});
