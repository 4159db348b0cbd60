import type { QueryRunner } from 'typeorm';
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

/** For a migration's down(): removes what makeAppendOnly added; run it after dropping the table. */
export async function dropAppendOnly(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(`DROP FUNCTION "${schemaOf(runner.connection)}".${table}_append_only`);
}
