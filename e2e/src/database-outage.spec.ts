import { setDatabaseReachable } from '@saga/testing';
import { FaultLog, faultTolerantSettings, settleAndReport, sleep } from './harness/fault-run';
import { MixedLoad } from './harness/mixed-load';
import { SeededRandom } from './harness/seeded-random';
import { SystemUnderTest } from './harness/system-under-test';

const orders = 120;
const outageMs = 3000;

describe('database outage: the database refuses every app for a few seconds under load', () => {
  let sut: SystemUnderTest;
  const random = new SeededRandom();

  beforeAll(async () => {
    sut = await SystemUnderTest.start({ env: { ...faultTolerantSettings } });
  });

  afterAll(async () => {
    // Whatever happened, give the database back so that teardown can drop it.
    await setDatabaseReachable(sut.infra.databaseUrl, true).catch(() => undefined);
    await sut?.stop();
  });

  it('backs off and resumes: nothing lost, nothing applied twice', async () => {
    const load = await MixedLoad.prepare(sut, { orders, random });
    const faults = new FaultLog();
    const loadStartedAt = Date.now();
    const placing = load.place({ overMs: 20_000 });
    let placedAt = 0;
    void placing.then(() => (placedAt = Date.now())).catch(() => undefined);

    await load.untilPlaced(random.int(20, 50));
    const at = faults.now;
    await setDatabaseReachable(sut.infra.databaseUrl, false);
    try {
      await sleep(outageMs);
    } finally {
      await setDatabaseReachable(sut.infra.databaseUrl, true);
    }
    faults.add(`database unreachable ${at}..${faults.now}`);
    // The suite's own pool lost its connections too; it reconnects on the next query.

    await placing;
    const report = await settleAndReport(sut, load, {
      title: `database outage: ${orders} orders, the database away for ${outageMs / 1000} s`,
      seed: random.seed,
      faults,
      loadStartedAt,
      placedAt: placedAt || Date.now(),
    });

    expect(report.violations).toEqual([]);
    expect(report.ordersPlaced).toBe(orders);
    // Nothing lost: every order that could complete did, none timed out, nothing was dead-lettered.
    expect(report.failedByReason.step_timed_out ?? 0).toBe(0);
    expect(report.deadLetters).toEqual({});
    expect(report.sagasByStatus.REQUIRES_ATTENTION ?? 0).toBe(0);
  }, 180_000);
});
