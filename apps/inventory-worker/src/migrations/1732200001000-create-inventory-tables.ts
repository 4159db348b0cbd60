import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly, schemaOf } from '@saga/persistence';

/** Products with their stock counters, reservations per order with their items, and the stock ledger. */
export class CreateInventoryTables1732200001000 implements MigrationInterface {
  name = 'CreateInventoryTables1732200001000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".products (
        id uuid PRIMARY KEY,
        sku text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        price int NOT NULL CHECK (price >= 0),
        available int NOT NULL CHECK (available >= 0),
        reserved int NOT NULL CHECK (reserved >= 0),
        sold int NOT NULL CHECK (sold >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".reservations (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'COMMITTED')),
        total int NOT NULL CHECK (total >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".reservation_items (
        reservation_id uuid NOT NULL REFERENCES "${s}".reservations (id),
        product_id uuid NOT NULL REFERENCES "${s}".products (id),
        quantity int NOT NULL CHECK (quantity > 0),
        unit_price int NOT NULL CHECK (unit_price >= 0),
        name text NOT NULL,
        PRIMARY KEY (reservation_id, product_id)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".stock_ledger (
        id bigserial PRIMARY KEY,
        product_id uuid NOT NULL REFERENCES "${s}".products (id),
        order_id uuid,
        kind text NOT NULL CHECK (kind IN ('reserve', 'release', 'commit', 'restock')),
        quantity int NOT NULL CHECK (quantity > 0),
        at timestamptz NOT NULL DEFAULT now(),
        -- Every movement but a restock belongs to an order.
        CHECK ((kind = 'restock') = (order_id IS NULL))
      )`);
    await runner.query(`CREATE INDEX stock_ledger_product ON "${s}".stock_ledger (product_id, id)`);
    // The ledger is the audit trail of stock: nothing may rewrite it, not even by accident.
    await makeAppendOnly(runner, 'stock_ledger');
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".stock_ledger`);
    await dropAppendOnly(runner, 'stock_ledger');
    await runner.query(`DROP TABLE "${s}".reservation_items`);
    await runner.query(`DROP TABLE "${s}".reservations`);
    await runner.query(`DROP TABLE "${s}".products`);
  }
}
