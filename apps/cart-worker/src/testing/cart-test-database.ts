import { randomUUID } from 'node:crypto';
import { cartCheckout, cartClear, cartRelease, type CommandPayload, type OrderItem } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { openServiceDatabase } from '@saga/runtime';
import type { CommandHandler } from '@saga/participant';
import { runCommand } from '@saga/participant/testing';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import type { DataSource } from 'typeorm';
import { cartDatabase } from '../cart-worker-service';
import { checkoutCart } from '../commands/checkout-cart';
import { clearCart } from '../commands/clear-cart';
import { releaseCart } from '../commands/release-cart';
import { addItem, Checkout, readCart, type CartView } from '../domain';

/** A migrated cart schema on a database of its own, for one spec file. */
export interface CartTestDatabase {
  readonly dataSource: DataSource;
  readonly infrastructure: TestInfrastructure;
  close(): Promise<void>;
}

/** Provisions a fresh database and runs the cart worker's migrations on it. */
export async function startCartTestDatabase(): Promise<CartTestDatabase> {
  const infrastructure = await provisionTestInfrastructure();
  const dataSource = await openServiceDatabase(cartDatabase, infrastructure.databaseUrl, { poolSize: 30 });
  return {
    dataSource,
    infrastructure,
    async close() {
      await dataSource.destroy();
      await infrastructure.teardown();
    },
  };
}

/** Puts the items in the shopper's cart as the shopper would over HTTP. */
export function fillCart(dataSource: DataSource, userId: string, items: readonly OrderItem[]): Promise<CartView> {
  return dataSource.transaction(async (manager) => {
    let view = await readCart(manager, userId);
    for (const item of items) view = await addItem(manager, userId, item);
    return view;
  });
}

/** The shopper's cart as it is now. */
export function cartOf(dataSource: DataSource, userId: string): Promise<CartView> {
  return readCart(dataSource.manager, userId);
}

/** The order's checkout row, or null. */
export function checkoutOf(dataSource: DataSource, orderId: string): Promise<Checkout | null> {
  return dataSource.getRepository(Checkout).findOneBy({ orderId });
}

/** A few distinct cart lines. */
export function someItems(count = 2): OrderItem[] {
  return Array.from({ length: count }, (_, i) => ({ productId: randomUUID(), quantity: i + 1 }));
}

/** The cart commands as a spec runs them: each in its own transaction, what they send collected in `sent`. */
export function cartCommands(database: () => CartTestDatabase, sent: PendingMessage[]) {
  // Every cart command's payload is { orderId, userId }.
  const run =
    <C extends typeof cartCheckout | typeof cartRelease | typeof cartClear>(contract: C, handler: CommandHandler<C>) =>
    (orderId: string, userId: string) =>
      runCommand({ dataSource: database().dataSource, sent }, contract, handler, {
        orderId,
        userId,
      } as CommandPayload<C>);
  return {
    checkout: run(cartCheckout, checkoutCart),
    release: run(cartRelease, releaseCart),
    clear: run(cartClear, clearCart),
  };
}
