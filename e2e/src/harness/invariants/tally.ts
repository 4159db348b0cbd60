import type { PlacedOrder } from '../mixed-load';

/** An order as the reports name it: its number, kind and id. */
export function label(order: PlacedOrder | { index: number; kind: string; orderId?: string }): string {
  return `#${order.index} ${order.kind}${'orderId' in order && order.orderId ? ` ${order.orderId}` : ''}`;
}

/** The values that occur more than once (each repeat listed). */
export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

/** How often each value occurs. */
export function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Counts as `key n, key n`, keys in order. */
export function format(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** Whether an order or saga status is an end. */
export const terminal = (status: string) => status === 'COMPLETED' || status === 'FAILED';
