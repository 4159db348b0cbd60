#!/usr/bin/env node
// npm run screenshot:rabbitmq: docs/rabbitmq-queues.png, the RabbitMQ management UI's Queues page with
// the namespace's queues (each work queue with its `.dlq` and retry queues), taken by headless Chromium
// from the OS packages. Start the system first (npm start) so the queues exist and carry messages.
// RABBITMQ_MANAGEMENT_URL (default http://127.0.0.1:15672), RABBITMQ_MANAGEMENT_USER and
// RABBITMQ_MANAGEMENT_PASSWORD (default guest/guest; admin/admin in compose), NAMESPACE (default shop),
// CHROMIUM_PATH (default /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const baseUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const user = process.env.RABBITMQ_MANAGEMENT_USER ?? 'guest';
const password = process.env.RABBITMQ_MANAGEMENT_PASSWORD ?? 'guest';
const namespace = process.env.NAMESPACE ?? 'shop';
const file = fileURLToPath(new URL('../docs/rabbitmq-queues.png', import.meta.url));
const timeout = 15_000;
// The queues' names in the Queues page's list, each a link to its queue's page.
const queueLinks = 'table.list tbody a[href^="#/queues/"]';

if (!existsSync(chromiumPath)) {
  console.error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  process.exit(1);
}

// Checked before the browser starts: a refused login makes Chromium wait on a password dialog.
const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const whoami = await fetch(`${baseUrl}/api/whoami`, { headers: { authorization } }).catch((error) => {
  console.error(
    `the management UI is not reachable at ${baseUrl} (${error.cause?.code ?? error.message}); ` +
      'enable it with `rabbitmq-plugins enable rabbitmq_management`',
  );
  process.exit(1);
});
if (!whoami.ok) {
  console.error(
    `the management UI at ${baseUrl} refuses ${user} (${whoami.status}): ` +
      'set RABBITMQ_MANAGEMENT_USER and RABBITMQ_MANAGEMENT_PASSWORD',
  );
  process.exit(1);
}

const browser = await chromium.launch({ executablePath: chromiumPath });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(timeout);
  await page.goto(baseUrl);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('input[type=submit]');
  await page.waitForSelector('#logout');

  await page.goto(`${baseUrl}/#/queues`);
  // Only this namespace's queues: parallel test runs leave namespaces of their own on a shared broker.
  // The UI re-renders the list on every change and on its refresh, so set the filter until it shows.
  const filter = `^${namespace.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\.`;
  for (let attempt = 1; !(await showsFiltered(page, filter)); attempt++) {
    if (attempt > 5)
      throw new Error(`the Queues page shows no queue of namespace ${namespace}: start the system first`);
    await page.setChecked('#queues-filter-regex-mode', true);
    await page.fill('#queues-name', filter);
    await page.press('#queues-name', 'Enter');
  }
  const queues = await page.locator(queueLinks).count();
  await page.screenshot({ path: file, fullPage: true });
  console.log(`wrote ${file} (${queues} queues of namespace ${namespace})`);
} finally {
  await browser.close();
}

/** Whether the Queues page lists some queues, all of the namespace, under the given regex filter. */
async function showsFiltered(page, filter) {
  const shown = ([expected, selector, prefix]) => {
    const names = [...document.querySelectorAll(selector)].map((link) => link.textContent ?? '');
    return (
      document.querySelector('#queues-name')?.value === expected &&
      document.querySelector('#queues-filter-regex-mode')?.checked === true &&
      names.length > 0 &&
      names.every((name) => name.startsWith(prefix))
    );
  };
  return page
    .waitForFunction(shown, [filter, queueLinks, `${namespace}.`], { timeout: 3000 })
    .then(() => true)
    .catch(() => false);
}
