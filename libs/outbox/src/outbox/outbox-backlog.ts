import type { DataSource } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** What waits in a service's outbox: how many rows are unpublished, and how long the oldest has waited. */
export interface OutboxBacklog {
  readonly unpublished: number;
  /** Seconds since the oldest unpublished row was written; 0 when there is none. */
  readonly oldestSeconds: number;
}

/** Reads the outbox's backlog (through its partial index of unpublished rows), for the metrics' gauges. */
export async function outboxBacklog(dataSource: DataSource): Promise<OutboxBacklog> {
  const rows: { unpublished: number; oldest_seconds: number | null }[] = await dataSource.query(
    `SELECT count(*)::int AS unpublished, extract(epoch FROM now() - min(created_at))::float8 AS oldest_seconds
       FROM "${schemaOf(dataSource)}".outbox WHERE published_at IS NULL`,
  );
  const [row] = rows;
  return { unpublished: row?.unpublished ?? 0, oldestSeconds: Math.max(0, row?.oldest_seconds ?? 0) };
}
