import type { MixedLoad } from '../mixed-load';
import type { InvariantReport } from './placed-load';
import { count, format } from './tally';

/**
 * Prints a suite's figures in one block: the seed, the faults injected and when, the counts of
 * orders, failures by reason, payments, stock before and after, sagas by status, and the times.
 */
export function printReport(
  title: string,
  facts: {
    seed?: number;
    faults: readonly string[];
    load: MixedLoad;
    report: InvariantReport;
    timings: Record<string, number>;
  },
): void {
  const { report, load } = facts;
  const kinds = count(load.placed.map((p) => p.kind));
  const lines = [
    `==== ${title} ====`,
    ...(facts.seed === undefined ? [] : [`seed: ${facts.seed} (replay with E2E_SEED=${facts.seed})`]),
    `faults: ${facts.faults.join(' | ') || 'none'}`,
    `orders placed: ${report.ordersPlaced} ${format(kinds)}; POST retries: ${load.retries}`,
    `orders: ${format(report.ordersByStatus)}`,
    `failed by reason: ${format(report.failedByReason)}`,
    `payments captured: ${report.paymentsCaptured.count} for ${report.paymentsCaptured.amount} cents`,
    'stock (before -> available/reserved/sold):',
    ...report.stock.map((s) => `  ${s.name.padEnd(14)} ${s.before} -> ${s.available}/${s.reserved}/${s.sold}`),
    `sagas: ${format(report.sagasByStatus)}`,
    `saga deadlines and re-sends: ${format(report.sagaRecoveries) || 'none'}`,
    `outbox rows unpublished: ${format(report.unpublishedOutbox) || 'none'}; dead letters: ${format(report.deadLetters) || 'none'}`,
    `time: ${Object.entries(facts.timings)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
    `invariants: ${report.violations.length === 0 ? 'all hold' : `${report.violations.length} broken`}`,
    ...report.violations.map((v) => `  BROKEN ${v}`),
    ...report.stuck.map((s) => `  STUCK ${s}`),
  ];
  console.log(lines.join('\n'));
}
