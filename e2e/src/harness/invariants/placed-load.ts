import type { PlacedOrder, PlannedOrder } from '../mixed-load';

/** Loaded history (saga-history.ts) is told apart by its correlation ids. */
export const historyPrefix = 'history-';
export const notHistory = `correlation_id NOT LIKE '${historyPrefix}%'`;

/** The orders a run planned and placed, and what stock and money it set up before the first order. */
export interface PlacedLoad {
  readonly planned: readonly PlannedOrder[];
  readonly placed: readonly PlacedOrder[];
  /** Stock of each product the run created, before its first order. */
  readonly initialStock: ReadonlyMap<string, number>;
  /** What each wallet was credited before its order. */
  readonly credits: ReadonlyMap<string, number>;
}

/** What may be tolerated in a suite's outcome; by default nothing. */
export interface InvariantOptions {
  /**
   * Sagas allowed to end REQUIRES_ATTENTION: only where the test injected a permanent fault. The fault
   * suites inject none, so they keep the default, 0.
   */
  readonly requiresAttention?: number;
  /**
   * Whether an order that could have completed may instead fail `step_timed_out` (a compensatable
   * step's worker stayed away past the step deadline). Consistent, but only acceptable under chaos.
   */
  readonly timeoutsAllowed?: boolean;
}

/** The figures a fault suite prints, and every invariant it found broken (none, when all is well). */
export interface InvariantReport {
  readonly ordersPlaced: number;
  readonly ordersByStatus: Record<string, number>;
  readonly failedByReason: Record<string, number>;
  readonly sagasByStatus: Record<string, number>;
  /** How often the orchestrator had to act on a deadline or re-send, by log entry and step. */
  readonly sagaRecoveries: Record<string, number>;
  readonly paymentsCaptured: { count: number; amount: number };
  readonly stock: { name: string; before: number; available: number; reserved: number; sold: number }[];
  readonly unpublishedOutbox: Record<string, number>;
  readonly deadLetters: Record<string, number>;
  /** Each broken invariant, one line with up to a few examples. */
  readonly violations: string[];
  /** Sagas not COMPLETED or FAILED, with their last log entries: where they stopped. */
  readonly stuck: string[];
}
