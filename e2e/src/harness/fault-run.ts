import {
  checkInvariants,
  printReport,
  waitUntilSettled,
  type InvariantOptions,
  type InvariantReport,
} from './invariants';
import type { MixedLoad } from './mixed-load';
import type { SystemUnderTest } from './system-under-test';

/**
 * Limits under which an app that is away for a few seconds (killed and restarted, stopped for a
 * rolling restart, cut off from its database) delays sagas but never fails or stalls them: a step
 * waits 8 s for its reply before the orchestrator acts, re-sends back off from 500 ms to 4 s for six
 * attempts, and a message whose handler failed is retried after 0.2, 0.8 and 2 s before it is dead-lettered.
 */
export const faultTolerantSettings = {
  SAGA_STEP_TIMEOUT_MS: '8000',
  SAGA_MAX_ATTEMPTS: '6',
  SAGA_RETRY_BASE_DELAY_MS: '500',
  SAGA_RETRY_MAX_DELAY_MS: '4000',
  DEADLINE_SCAN_INTERVAL_MS: '500',
  RETRY_DELAYS_MS: '200,800,2000',
} as const;

/** A log of the faults a suite injected, each stamped with its time since the suite's load began. */
export class FaultLog {
  readonly entries: string[] = [];
  private readonly startedAt = Date.now();

  /** Seconds since the log began, as `+12.3s`. */
  get now(): string {
    return `+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s`;
  }

  add(entry: string): void {
    this.entries.push(entry);
  }
}

/**
 * The end of every fault suite: waits (at most `settleTimeoutMs`) until every order is COMPLETED or
 * FAILED, checks every invariant, prints the figures in one block and returns them for assertions.
 */
export async function settleAndReport(
  sut: SystemUnderTest,
  load: MixedLoad,
  run: {
    title: string;
    seed?: number;
    faults: FaultLog;
    /** When the suite's load began (Date.now()), and when the last order was accepted. */
    loadStartedAt: number;
    placedAt: number;
    settleTimeoutMs?: number;
  } & InvariantOptions,
): Promise<InvariantReport> {
  const settledIn = await waitUntilSettled(sut, { timeoutMs: run.settleTimeoutMs ?? 120_000 });
  const report = await checkInvariants(sut, load, run);
  printReport(run.title, {
    seed: run.seed,
    faults: run.faults.entries,
    load,
    report,
    timings: {
      placing: run.placedAt - run.loadStartedAt,
      'settling after the last order and fault': settledIn,
      'load to settled': Date.now() - run.loadStartedAt,
    },
  });
  return report;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
