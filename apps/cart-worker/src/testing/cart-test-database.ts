import { newEnvelope } from '@saga/contracts';
import { randomUUID } from 'node:crypto';
import type { CommandContract, CommandPayload, CommandResult, OrderItem } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import type { CommandHandler, CommandOutcome } from '@saga/saga';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import type { DataSource } from 'typeorm';
import { cartWorkerService } from '../cart-worker-service';
import { addItem, cartEntities, Checkout, readCart, type CartView } from '../domain';
import { cartMigrations } from '../migrations';

/** A migrated cart schema on a database of its own, for one spec file. */
export interface CartTestDatabase {
  readonly dataSource: DataSource;
  readonly infrastructure: TestInfrastructure;
  close(): Promise<void>;
}

/** Provisions a fresh database and runs the cart worker's migrations on it. */
export async function startCartTestDatabase(): Promise<CartTestDatabase> {
  const infrastructure = await provisionTestInfrastructure();
  const dataSource = createServiceDataSource({
    url: infrastructure.databaseUrl,
    schema: cartWorkerService.schema,
    entities: [...messagingEntities, ...cartEntities],
    migrations: [...messagingMigrations, ...cartMigrations],
    applicationName: 'cart-worker-test',
    poolSize: 30,
  });
  await initializeDataSource(dataSource);
  return {
    dataSource,
    infrastructure,
    async close() {
      await dataSource.destroy();
      await infrastructure.teardown();
    },
  };
}

const logger = createLogger({ service: 'cart-worker-test', level: 'warn' });

/**
 * Runs a handler as the command processor would: in one transaction, with a fresh command envelope
 * (so every call is a new command id, as a saga retry is).
 */
export function runCommand<C extends CommandContract>(
  dataSource: DataSource,
  contract: C,
  handler: CommandHandler<C>,
  payload: CommandPayload<C>,
): Promise<CommandOutcome<CommandResult<C>>> {
  const envelope = newEnvelope({
    type: contract.type,
    payload,
    sagaId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
  });
  const send = () => {
    throw new Error('cart handlers send nothing but their reply, which the command processor sends');
  };
  return dataSource.transaction((manager) => handler(payload, { manager, envelope, logger, send }));
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
