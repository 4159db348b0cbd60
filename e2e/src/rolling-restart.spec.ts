import type { SystemApp } from '@saga/launcher';
import { FaultLog, faultTolerantSettings, settleAndReport, sleep } from './harness/fault-run';
import { MixedLoad } from './harness/mixed-load';
import { SeededRandom } from './harness/seeded-random';
import { SystemUnderTest } from './harness/system-under-test';

const orders = 120;

describe('rolling restart: every app stopped with SIGTERM and started again, one after the other, under load', () => {
  let sut: SystemUnderTest;
  const random = new SeededRandom();

  beforeAll(async () => {
    sut = await SystemUnderTest.start({ env: { ...faultTolerantSettings } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('loses nothing: each app exits cleanly, and every order settles as its kind requires', async () => {
    const load = await MixedLoad.prepare(sut, { orders, random });
    const faults = new FaultLog();
    const loadStartedAt = Date.now();
    const placing = load.place({ overMs: 30_000 });
    let placedAt = 0;
    void placing.then(() => (placedAt = Date.now())).catch(() => undefined);

    await load.untilPlaced(10);
    const exitCodes: Partial<Record<SystemApp, number | null>> = {};
    for (const name of Object.keys(sut.system.apps) as SystemApp[]) {
      const app = sut.system.apps[name];
      const at = faults.now;
      // SIGTERM: stop consuming, finish in-flight messages, flush the outbox, close, exit 0.
      exitCodes[name] = await app.stop(15_000);
      const stoppedAt = faults.now;
      await app.start();
      faults.add(`${name} SIGTERM ${at}, exited ${stoppedAt} (code ${exitCodes[name]}), up ${faults.now}`);
      await sleep(random.int(1000, 3000));
    }

    await placing;
    const report = await settleAndReport(sut, load, {
      title: `rolling restart: ${orders} orders, every app stopped and started in turn`,
      seed: random.seed,
      faults,
      loadStartedAt,
      placedAt: placedAt || Date.now(),
    });

    expect(exitCodes).toEqual(Object.fromEntries(Object.keys(sut.system.apps).map((name) => [name, 0])));
    expect(report.violations).toEqual([]);
    expect(report.ordersPlaced).toBe(orders);
    // Nothing lost: every order that could complete did, none timed out, nothing was dead-lettered.
    expect(report.failedByReason.step_timed_out ?? 0).toBe(0);
    expect(report.deadLetters).toEqual({});
    expect(report.sagasByStatus.REQUIRES_ATTENTION ?? 0).toBe(0);
  }, 180_000);
});
