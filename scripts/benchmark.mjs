#!/usr/bin/env node
// npm run benchmark: saga latency, throughput and the apps' memory, on a fresh database and namespace
// with every app a process (as the end-to-end tests run them). Prints figures; asserts nothing.
//   BENCH_SEQUENTIAL (default 40)  orders placed one after another, for latency
//   BENCH_CONCURRENT (default 200) orders placed at once, for throughput
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SystemUnderTest, Shop } = require('../e2e/dist/index.js');

const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 40);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 200);

const sut = await SystemUnderTest.start({ env: { LOG_LEVEL: 'warn' } });
try {
  const shop = new Shop(sut);
  const product = await shop.product('Benchmark Beans', 100, sequential + concurrent + 10);
  const users = Array.from({ length: sequential + concurrent }, (_, i) => `bench-${i}-${Date.now()}`);
  await Promise.all(users.map((u) => shop.wallet(u, 10_000)));
  const order = (userId) =>
    shop.order({ userId, items: [{ productId: product.id, quantity: 1 }], payment: { method: 'wallet' } });

  // One order polls every 2 ms, so the figure is the saga's time, not the poller's; many orders poll
  // every 100 ms, so the pollers do not take the CPU the apps need.
  const settled = async (orderId, everyMs = 2) => {
    for (;;) {
      const { body } = await sut.http('order-api', 'GET', `/orders/${orderId}`);
      if (body.status === 'COMPLETED' || body.status === 'FAILED') return body;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };

  await settled(await order(users[0])); // warm-up: connections, JIT, first queue declarations
  const latencies = [];
  for (const user of users.slice(1, sequential)) {
    const start = performance.now();
    await settled(await order(user));
    latencies.push(performance.now() - start);
  }

  const start = performance.now();
  const ids = await Promise.all(users.slice(sequential).map(order));
  const outcomes = await Promise.all(ids.map((id) => settled(id, 100)));
  const seconds = (performance.now() - start) / 1000;

  const memory = {};
  for (const app of Object.keys(sut.system.apps)) {
    const metrics = await (await fetch(`${sut.system.url(app)}/metrics`)).text();
    const rss = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(metrics);
    memory[app] = rss ? `${Math.round(Number(rss[1]) / 1024 / 1024)} MiB` : 'n/a';
  }

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
  console.log(`\none order at a time (${latencies.length} orders, POST to COMPLETED):`);
  console.log(`  p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1).toFixed(0)} ms`);
  console.log(`${concurrent} orders at once:`);
  console.log(`  all settled in ${seconds.toFixed(1)} s: ${(concurrent / seconds).toFixed(1)} orders/s`);
  console.log(`  completed ${outcomes.filter((o) => o.status === 'COMPLETED').length} of ${concurrent}`);
  console.log('resident memory after the load:');
  for (const [app, rss] of Object.entries(memory)) console.log(`  ${app.padEnd(17)} ${rss}`);
} finally {
  await sut.stop();
}
