import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Carts, their items, and each order's checkout of a cart (or its tombstone). */
export class CreateCartTables1732200000300 implements MigrationInterface {
  name = 'CreateCartTables1732200000300';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".carts (
        id uuid PRIMARY KEY,
        user_id text NOT NULL UNIQUE CHECK (user_id <> ''),
        status text NOT NULL CHECK (status IN ('OPEN', 'LOCKED')),
        locked_by_order uuid,
        version int NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT carts_locked_by_an_order CHECK ((status = 'LOCKED') = (locked_by_order IS NOT NULL))
      )`);
    await runner.query(`
      CREATE TABLE "${s}".cart_items (
        cart_id uuid NOT NULL REFERENCES "${s}".carts (id),
        product_id uuid NOT NULL,
        quantity int NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (cart_id, product_id)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".checkouts (
        order_id uuid PRIMARY KEY,
        user_id text NOT NULL,
        cart_id uuid REFERENCES "${s}".carts (id),
        status text NOT NULL CHECK (status IN ('LOCKED', 'RELEASED', 'CLEARED')),
        items jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT checkouts_snapshot_with_cart CHECK ((cart_id IS NULL) = (items IS NULL)),
        CONSTRAINT checkouts_only_a_release_is_a_tombstone CHECK (status = 'RELEASED' OR cart_id IS NOT NULL),
        CONSTRAINT checkouts_items_not_empty CHECK (
          items IS NULL OR CASE WHEN jsonb_typeof(items) = 'array' THEN jsonb_array_length(items) > 0 ELSE false END
        )
      )`);
    // Belt and braces with the cart's own lock: one cart is checked out by one order at a time.
    await runner.query(
      `CREATE UNIQUE INDEX checkouts_one_lock_per_cart ON "${s}".checkouts (cart_id) WHERE status = 'LOCKED'`,
    );
    // A cart can only be locked by an order that has a checkout row recording what it took.
    await runner.query(`
      ALTER TABLE "${s}".carts ADD CONSTRAINT carts_locked_by_a_checkout
        FOREIGN KEY (locked_by_order) REFERENCES "${s}".checkouts (order_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".carts DROP CONSTRAINT carts_locked_by_a_checkout`);
    await runner.query(`DROP TABLE "${s}".checkouts`);
    await runner.query(`DROP TABLE "${s}".cart_items`);
    await runner.query(`DROP TABLE "${s}".carts`);
  }
}
