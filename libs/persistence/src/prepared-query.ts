import { createHash } from 'node:crypto';
import pg from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** Statement names by SQL text, so each text is hashed once per process. */
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `q${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A node-pg client that runs every query with parameters as a named prepared statement, named by its
 * text: Postgres parses and plans a statement once per connection instead of on every call. The pools
 * of every DataSource use it, so TypeORM's queries are prepared too. A query without parameters (DDL,
 * BEGIN, COMMIT) goes as it is.
 */
export class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      args[0] = { name: statementName(text), text, values };
      args.splice(1, 1);
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/** The part of a node-pg client a raw query needs. */
interface PgClient {
  query(text: string, values: readonly unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Runs one statement on the connection of the manager's transaction (or, outside one, on a connection
 * of the pool), straight through node-pg (so prepared, see PreparingClient) without TypeORM's query
 * building: for hot paths, whose SQL is a fixed text with every value a parameter.
 */
export async function preparedQuery<Row>(
  manager: EntityManager,
  text: string,
  values: readonly unknown[],
): Promise<{ rows: Row[]; rowCount: number }> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PgClient;
    const result = await client.query(text, values);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/** Adds a value to a statement's parameters and returns its placeholder (`$n`). */
export type Param = (value: unknown) => string;

/** A Param that appends to `values`: a statement built from fragments numbers its parameters in order. */
export function placeholders(values: unknown[]): Param {
  return (value) => {
    values.push(value);
    return `$${values.length}`;
  };
}

/** A value written into SQL text as a quoted literal, for the statements that travel with BEGIN. */
export function literal(value: string): string {
  return pg.escapeLiteral(value);
}

/**
 * Runs work in a transaction whose BEGIN travels with its first statement, in one round trip instead
 * of two: `first` goes in the simple protocol, so it takes no parameters, only `literal`s. Resolves
 * with what work returned, given the first statement's rows; rolls back if work throws.
 */
export async function transactionBeginningWith<T>(
  dataSource: DataSource,
  first: string,
  work: (manager: EntityManager, firstRows: unknown[]) => Promise<T>,
): Promise<T> {
  // The base class's flag is writable; the QueryRunner interface only shows it read-only.
  const runner = dataSource.createQueryRunner() as QueryRunner & { isTransactionActive: boolean };
  const client = (await runner.connect()) as SimpleClient;
  try {
    const [, firstResult] = await client.query(`BEGIN; ${first}`);
    // TypeORM must know: a save() outside a known transaction would open and commit one of its own.
    runner.isTransactionActive = true;
    const result = await work(runner.manager, firstResult.rows);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    runner.isTransactionActive = false;
    await runner.release();
  }
}

/** A node-pg client sent several statements in one simple query: one result per statement. */
interface SimpleClient {
  query(text: string): Promise<{ rows: unknown[] }[]>;
}
