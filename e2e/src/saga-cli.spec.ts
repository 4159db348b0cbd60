import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { namespaced, Queues } from '@saga/contracts';
import { workspaceRoot } from '@saga/launcher';
import {
  provisionTestInfrastructure,
  queueDepth,
  setDatabaseReachable,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { Shop, user } from './harness/shop';
import { operator, SystemUnderTest } from './harness/system-under-test';

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// `saga`, run as an operator runs it: the built CLI as a process, against the system the harness started.
describe('the saga inspector, as a process against the running system', () => {
  let sut: SystemUnderTest;
  let shop: Shop;
  let cartDatabase: TestInfrastructure;

  beforeAll(async () => {
    cartDatabase = await provisionTestInfrastructure();
    // Deadlines far out: only the operator's `deadline fire` moves a saga on when a worker is silent.
    sut = await SystemUnderTest.start({
      env: {
        SAGA_STEP_TIMEOUT_MS: '120000',
        SAGA_MAX_ATTEMPTS: '2',
        SAGA_RETRY_BASE_DELAY_MS: '100',
        SAGA_RETRY_MAX_DELAY_MS: '200',
        DEADLINE_SCAN_INTERVAL_MS: '100',
      },
      appEnv: { 'cart-worker': { DATABASE_URL: cartDatabase.databaseUrl } },
    });
    shop = new Shop(sut);
  });
  afterAll(async () => {
    if (cartDatabase) await setDatabaseReachable(cartDatabase.databaseUrl, true);
    await sut?.stop();
    await cartDatabase?.teardown();
  });

  const cli = join(workspaceRoot, 'apps/saga-cli/bin/saga.js');
  function cliEnv(): NodeJS.ProcessEnv {
    const admin = new URL(sut.infra.adminAmqpUrl);
    // The management API of the broker the tests use, logged in as its administrator.
    const management = new URL(process.env.RABBITMQ_MANAGEMENT_URL ?? `http://${admin.hostname}:15672`);
    management.username = admin.username;
    management.password = admin.password;
    return {
      ...process.env,
      SAGA_API_URL: sut.system.url('order-saga'),
      SAGA_ORDER_API_URL: sut.system.url('order-api'),
      SAGA_TOKEN: sut.authorization(operator).authorization.replace(/^Bearer /, ''),
      RABBITMQ_MANAGEMENT_URL: management.href,
      NAMESPACE: sut.infra.namespace,
      NO_COLOR: '1',
    };
  }
  function saga(...args: string[]): Promise<Ran> {
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], { env: cliEnv() }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
  const json = <T>(ran: Ran): T => {
    if (ran.code !== 0) throw new Error(`saga exited ${ran.code}: ${ran.stderr}`);
    return JSON.parse(ran.stdout) as T;
  };
  const why = (text: string) => ['--reason', text];

  it('finds a stalled saga by its order, draws it, refuses what its state forbids, and retries it', async () => {
    const kettle = await shop.product('Kettle', 2_500, 5);
    const ada = user('ada');
    await shop.wallet(ada, 10_000);
    await shop.addToCart(ada, kettle.id, 1);
    const cartWorker = sut.system.apps['cart-worker'];
    await cartWorker.stop();
    const orderId = await shop.order({ userId: ada, fromCart: true, payment: { method: 'wallet' } });
    const sagaId = await waitFor(
      async () => {
        const found = await sut.sagaOf(orderId).catch(() => undefined);
        return found?.currentStep === 'checkout-cart' ? found.id : undefined;
      },
      { description: 'the saga waiting on the cart worker' },
    );

    // The cart worker is silent: firing the deadline three times compensates, re-sends, then stalls.
    for (const expected of ['COMPENSATING', 'COMPENSATING', 'REQUIRES_ATTENTION']) {
      const fired = await saga('deadline', 'fire', orderId, ...why('cart worker down'));
      expect(fired).toMatchObject({ code: 0, stdout: expect.stringContaining(`now ${expected}`) });
    }
    const stalled = json<{ id: string }[]>(await saga('list', '--status', 'REQUIRES_ATTENTION', '-o', 'json'));
    expect(stalled.map((s) => s.id)).toContain(sagaId);

    const shown = await saga('show', orderId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`saga ${sagaId}`);
    expect(shown.stdout).toMatch(/order PROCESSING \(needs attention\)/);
    expect(shown.stdout).toMatch(/undo checkout-cart\s+│.*│\s+stalled\s+2/);
    expect(shown.stdout).toMatch(/still to run\s+undo process-order/);
    expect(shown.stdout).toContain('on-call deadline fire: cart worker down');
    const detail = json<{ timeline: { stepId: string; phase: string; outcome: string }[] }>(
      await saga('show', sagaId, '-o', 'json'),
    );
    expect(detail.timeline.map((b) => `${b.phase} ${b.stepId} ${b.outcome}`)).toEqual([
      'action process-order succeeded',
      'action checkout-cart timed-out',
      'compensation checkout-cart stalled',
    ]);

    const compensate = await saga('compensate', sagaId, ...why('try'));
    expect(compensate).toMatchObject({ code: 4, stderr: expect.stringContaining('already compensating') });
    expect((await saga('show', randomUUID())).code).toBe(3);
    expect((await saga('retry', '--status', 'REQUIRES_ATTENTION', ...why('bulk'))).code).toBe(4);

    await cartWorker.start();
    const one = ['--order', orderId, '--status', 'REQUIRES_ATTENTION'];
    const unconfirmed = await saga('retry', ...one, ...why('cart worker back'));
    expect(unconfirmed).toMatchObject({ code: 4, stderr: expect.stringContaining('would touch 1 saga(s)') });
    expect(unconfirmed.stdout).toContain(sagaId);
    const retried = await saga('retry', ...one, ...why('cart worker back'), '--yes', '-o', 'json');
    expect(json(retried)).toEqual({
      action: 'retry',
      matched: 1,
      results: [{ sagaId, outcome: 'done', status: 'COMPENSATING' }],
    });
    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'FAILED', failure: { code: 'step_timed_out' } });
    await waitFor(async () => (await shop.cart(ada)).status === 'OPEN', { description: 'the cart released' });
    expect(await shop.cart(ada)).toMatchObject({ items: [{ productId: kettle.id, quantity: 1 }] });
    expect(await shop.stock(kettle.id)).toEqual({ available: 5, reserved: 0, sold: 0 });
    expect(await shop.walletOf(ada)).toEqual({ balance: 10_000, held: 0 });
  });

  it('extends a deadline, prints a compensation plan that changes nothing, then compensates by hand', async () => {
    const mug = await shop.product('Mug', 1_200, 4);
    const bo = user('bo');
    await shop.wallet(bo, 10_000);
    const payments = sut.system.apps['payment-worker'];
    await payments.stop();
    const orderId = await shop.order({
      userId: bo,
      items: [{ productId: mug.id, quantity: 2 }],
      payment: { method: 'wallet' },
    });
    const sagaId = await waitFor(
      async () => {
        const found = await sut.sagaOf(orderId).catch(() => undefined);
        return found?.currentStep === 'authorize-payment' ? found.id : undefined;
      },
      { description: 'the saga waiting on the payment worker' },
    );

    const deadlines = json<{ sagaId: string; stepId: string }[]>(await saga('deadlines', '-o', 'json'));
    expect(deadlines).toContainEqual(expect.objectContaining({ sagaId, stepId: 'authorize-payment' }));
    expect((await saga('deadline', 'extend', sagaId, '--by', '10m', ...why('provider slow'))).code).toBe(0);

    const plan = await saga('compensate', sagaId, '--dry-run', ...why('look first'));
    expect(plan.code).toBe(0);
    const planned = plan.stdout.split('\n').filter((line) => /^\s+\d\. /.test(line));
    expect(planned.map((line) => line.trim().split(' ')[1])).toEqual([
      'payment.void',
      'inventory.release',
      'order.reject',
    ]);
    expect((await sut.sagaOf(orderId)).status).toBe('RUNNING');

    const compensated = await saga('compensate', sagaId, ...why('provider outage; customer told'));
    expect(compensated).toMatchObject({ code: 0, stdout: expect.stringContaining('now COMPENSATING') });
    await payments.start();
    expect(await sut.settledOrder(orderId)).toMatchObject({
      status: 'FAILED',
      failure: { code: 'compensated_by_operator' },
    });
    expect(await shop.walletOf(bo)).toEqual({ balance: 10_000, held: 0 });
    expect(await shop.stock(mug.id)).toEqual({ available: 4, reserved: 0, sold: 0 });
    expect((await saga('kill', sagaId, '--yes', ...why('too late'))).code).toBe(4);
  });

  it('lists dead letters by saga and replays only what its saga still waits for, unless forced', async () => {
    const lamp = await shop.product('Lamp', 3_000, 3);
    const cy = user('cy');
    await shop.wallet(cy, 10_000);
    await shop.addToCart(cy, lamp.id, 1);
    await setDatabaseReachable(cartDatabase.databaseUrl, false);
    const orderId = await shop.order({ userId: cy, fromCart: true, payment: { method: 'wallet' } });
    const { id: sagaId } = await waitFor(async () => sut.sagaOf(orderId).catch(() => undefined), {
      description: 'the saga',
    });
    const deadLetters = async () =>
      (await saga('dlq', 'list', '--queue', 'cart-worker.commands', '--saga', sagaId, '-o', 'jsonl')).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; reason: string });
    await waitFor(async () => (await deadLetters()).length === 1, { description: 'the checkout dead-lettered' });
    // The saga moves on to undoing the checkout, whose release dies too: the checkout's letter is now stale.
    expect((await saga('deadline', 'fire', sagaId, ...why('cart database down'))).code).toBe(0);
    await waitFor(async () => (await deadLetters()).length === 2, { description: 'the release dead-lettered' });
    expect((await deadLetters()).map((d) => `${d.type} ${d.reason}`)).toEqual([
      'cart.checkout retries_exhausted',
      'cart.release retries_exhausted',
    ]);
    // The management API's counts are refreshed every few seconds.
    await waitFor(async () => /cart-worker\.commands\s+2\n/.test((await saga('dlq', 'list')).stdout), {
      description: 'the management API to count both',
    });

    const [checkout] = (await saga('dlq', 'list', '--saga', sagaId, '-o', 'jsonl')).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { messageId: string });
    const shown = json<{ type: string; headers: Record<string, unknown>; body: { sagaId: string } }>(
      await saga('dlq', 'show', checkout.messageId, '-o', 'json'),
    );
    expect(shown).toMatchObject({ type: 'cart.checkout', headers: { 'x-death-reason': 'retries_exhausted' } });
    expect(shown.body.sagaId).toBe(sagaId);
    expect((await saga('dlq', 'purge', '--queue', 'cart-worker.commands', '--saga', sagaId, ...why('no'))).code).toBe(
      4,
    );
    expect((await deadLetters()).length).toBe(2);

    await setDatabaseReachable(cartDatabase.databaseUrl, true);
    const replay = await saga('dlq', 'replay', '--queue', 'cart-worker.commands', '--saga', sagaId, ...why('db back'));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replayed\s+\S+ cart\.release/);
    expect(replay.stdout).toMatch(/stale\s+\S+ cart\.checkout: its saga waits for cart\.release/);
    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'FAILED' });

    const again = await saga('dlq', 'replay', '--queue', 'cart-worker.commands', '--saga', sagaId, ...why('again'));
    expect(again).toMatchObject({ code: 4, stdout: expect.stringContaining('its saga is FAILED') });
    const forced = await saga(
      'dlq',
      'replay',
      '--queue',
      'cart-worker.commands',
      '--saga',
      sagaId,
      '--force',
      ...why('see'),
    );
    expect(forced).toMatchObject({ code: 0, stdout: expect.stringContaining('(forced)') });
    const queue = namespaced(sut.infra.namespace, Queues.cartCommands.name);
    await waitFor(async () => (await queueDepth(sut.infra.amqpUrl, queue)) === 0, {
      description: 'the replay handled',
    });
    // The release left a tombstone: the late checkout is refused and the cart stays the shopper's.
    expect(await shop.cart(cy)).toMatchObject({ status: 'OPEN', items: [{ productId: lamp.id, quantity: 1 }] });
    expect((await saga('show', orderId)).stdout).toContain('on-call dlq replay: see');

    const stats = json<{ definitions: { definition: string; byStatus: Record<string, number> }[] }>(
      await saga('stats', '-o', 'json'),
    );
    expect(stats.definitions.find((d) => d.definition === 'order-saga')?.byStatus.FAILED).toBeGreaterThanOrEqual(3);
    const versions = json<{ name: string; version: number; latest: boolean }[]>(await saga('versions', '-o', 'json'));
    expect(versions).toContainEqual(expect.objectContaining({ name: 'order-saga', version: 1, latest: true }));
  });

  it('follows transitions as they happen with watch, one JSON line each', async () => {
    const kettle = await shop.product('Tea Kettle', 2_000, 2);
    const di = user('di');
    await shop.wallet(di, 10_000);
    const child = spawn(process.execPath, [cli, 'watch', '-o', 'jsonl', '--interval', '100'], { env: cliEnv() });
    const lines: { id: string; type: string; correlationId: string }[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line) as never));
    try {
      // Watch's first look shows what happened before; give it that look before ordering.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(child.exitCode).toBeNull();
      const orderId = await shop.order({
        userId: di,
        items: [{ productId: kettle.id, quantity: 1 }],
        payment: { method: 'wallet' },
      });
      await sut.settledOrder(orderId);
      await waitFor(async () => lines.some((l) => l.correlationId === orderId && l.type === 'saga-completed'), {
        description: 'the saga completed, watched',
      });
      const mine = lines.filter((l) => l.correlationId === orderId);
      expect(mine[0].type).toBe('saga-started');
      // Every step's entries, each once though watch reads again from behind what it showed.
      const succeeded = mine.filter((l) => l.type === 'step-succeeded').map((l) => (l as { stepId?: string }).stepId);
      // An order of items, not from a cart: the cart's two steps are skipped.
      expect(succeeded).toEqual([
        'process-order',
        'reserve-stock',
        'authorize-payment',
        'capture-payment',
        'commit-stock',
        'approve-order',
      ]);
      expect(new Set(mine.map((l) => l.id)).size).toBe(mine.length);
    } finally {
      child.kill();
    }
  });

  it('has help with an example on every command, and exits 2 on a bad command line', async () => {
    const commands = ['list', 'show', 'stats', 'watch', 'versions', 'retry', 'skip', 'compensate', 'cancel', 'kill'];
    for (const command of [
      ...commands,
      'deadlines',
      'deadline extend',
      'deadline fire',
      'dlq list',
      'dlq show',
      'dlq replay',
      'dlq purge',
    ]) {
      const help = await saga(...command.split(' '), '--help');
      expect({ command, code: help.code, example: /Examples?:/.test(help.stdout) }).toEqual({
        command,
        code: 0,
        example: true,
      });
    }
    expect((await saga('list', '--since', 'yesterday-ish')).code).toBe(2);
    expect((await saga('frobnicate')).code).toBe(2);
    expect((await saga('kill', randomUUID(), ...why('x'))).code).toBe(3);
  });
});
