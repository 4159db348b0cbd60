import { createHash } from 'node:crypto';
import pg from 'pg';
import type { EntityManager } from 'typeorm';

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
 * Runs one statement on the connection of the manager's transaction, straight through node-pg (so
 * prepared, see PreparingClient) without TypeORM's query building: for the hot path (inbox, outbox,
 * saga store), whose SQL is a fixed text with every value a parameter.
 */
export async function preparedQuery<Row>(
  manager: EntityManager,
  text: string,
  values: readonly unknown[],
): Promise<{ rows: Row[]; rowCount: number }> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('preparedQuery runs inside a transaction (a manager with a query runner)');
  const client = (await runner.connect()) as PgClient;
  const result = await client.query(text, values);
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
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
