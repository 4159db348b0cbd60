import type { EntityManager, QueryRunner } from 'typeorm';
import { schemaOf } from './data-source';

/**
 * For a migration: makes a table of the runner's schema append-only. A trigger refuses every UPDATE
 * and DELETE, so an audit trail (a ledger, a saga log) cannot be rewritten, not even by accident.
 */
export async function makeAppendOnly(runner: QueryRunner, table: string): Promise<void> {
  const s = schemaOf(runner.connection);
  await runner.query(`
    CREATE FUNCTION "${s}".${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '${table} is append-only'; END $$`);
  await runner.query(`
    CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON "${s}".${table}
    FOR EACH ROW EXECUTE FUNCTION "${s}".${table}_append_only()`);
}

/**
 * For a migration: lets the append-only trigger of a table let DELETE through in a transaction that
 * declared itself a retention pass (allowPruningInThisTransaction), so old history can be pruned on
 * purpose while every other UPDATE or DELETE is still refused. Its down() is makeAppendOnlyStrict.
 */
export async function allowPruning(runner: QueryRunner, table: string): Promise<void> {
  await replaceAppendOnlyFunction(
    runner,
    table,
    `IF TG_OP = 'DELETE' AND current_setting('${pruningSetting}', true) = 'on' THEN RETURN OLD; END IF;`,
  );
}

/** For a migration's down(): undoes allowPruning. */
export async function makeAppendOnlyStrict(runner: QueryRunner, table: string): Promise<void> {
  await replaceAppendOnlyFunction(runner, table, '');
}

/** Declares the current transaction a retention pass, for the tables that allowPruning. */
export async function allowPruningInThisTransaction(manager: EntityManager): Promise<void> {
  await manager.query(`SELECT set_config('${pruningSetting}', 'on', true)`);
}

const pruningSetting = 'retention.pruning';

async function replaceAppendOnlyFunction(runner: QueryRunner, table: string, before: string): Promise<void> {
  await runner.query(`
    CREATE OR REPLACE FUNCTION "${schemaOf(runner.connection)}".${table}_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN ${before} RAISE EXCEPTION '${table} is append-only'; END $$`);
}

/** For a migration's down(): removes what makeAppendOnly added; run it after dropping the table. */
export async function dropAppendOnly(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(`DROP FUNCTION "${schemaOf(runner.connection)}".${table}_append_only`);
}
