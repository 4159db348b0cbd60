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
    const placing = load.place({ overMs: 50_000, burst: 20 });
    let placedAt = 0;
    void placing.then(() => (placedAt = Date.now())).catch(() => undefined);

    // Each app once, in a random order, with the broker's restart somewhere among them; one fault at a
    // time, so an app never starts against a broker that is down. A healthy system settles a burst in
    // a second or two, so each fault waits for orders in flight, then strikes a random moment later.
    await load.untilPlaced(10);
    const apps = random.shuffle(Object.keys(sut.system.apps) as SystemApp[]);
    const brokerAt = random.int(0, apps.length);
    for (let i = 0; i <= apps.length; i++) {
      if (i === brokerAt) {
        const open = await whenInFlight(random.int(0, 600));
        const at = faults.now;
        await restartBroker({ downMs: random.int(500, 2000) });
        faults.add(`broker restarted ${at}..${faults.now} (${open} orders in flight)`);
      }
      if (i === apps.length) break;
      const app = sut.system.apps[apps[i]];
      const open = await whenInFlight(random.int(0, 600));
      const at = faults.now;
      await app.kill();
      await sleep(random.int(0, 1000));
      await app.start();
      faults.add(`${apps[i]} SIGKILL ${at} (${open} orders in flight), up ${faults.now}`);
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

  /**
   * Waits until orders are in flight (accepted, not yet COMPLETED or FAILED; at most 10 s, since the
   * last ones may be settled already), then `delayMs` more; returns how many were in flight then.
   */
  async function whenInFlight(delayMs: number): Promise<number> {
    const deadline = Date.now() + 10_000;
    while ((await inFlight()) < 5 && Date.now() < deadline) await sleep(50);
    await sleep(delayMs);
    return inFlight();
  }

  async function inFlight(): Promise<number> {
    const [{ open }] = await sut.rows<{ open: string }>(
      `SELECT count(*) AS open FROM orders.orders WHERE status IN ('PENDING', 'PROCESSING')`,
    );
    return Number(open);
  }
});
