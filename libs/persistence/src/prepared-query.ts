import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** The part of a node-pg client a prepared query needs. */
interface PgClient {
  query(config: {
    name: string;
    text: string;
    values: readonly unknown[];
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Statement names by SQL text, so each text is hashed once per process. */
const names = new Map<string, string>();

/**
 * Runs one statement as a named prepared statement on the connection of the manager's transaction:
 * Postgres parses and plans it once per connection instead of on every call, and the query skips
 * TypeORM's query building. For the hot path (inbox, outbox, saga store) only: its SQL must be a fixed
 * text with every value a parameter, since a different text is another prepared statement.
 */
export async function preparedQuery<Row>(
  manager: EntityManager,
  text: string,
  values: readonly unknown[],
): Promise<{ rows: Row[]; rowCount: number }> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('preparedQuery runs inside a transaction (a manager with a query runner)');
  const client = (await runner.connect()) as PgClient;
  let name = names.get(text);
  if (!name) {
    name = `q${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  const result = await client.query({ name, text, values });
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
}
