import type { InvariantOptions, PlacedLoad } from './placed-load';
import type { SystemSnapshot } from './snapshot';

/** What a group of invariants is checked against. */
export interface RuleInput {
  readonly snapshot: SystemSnapshot;
  readonly load: PlacedLoad;
  readonly options: InvariantOptions;
}

/** Records a broken invariant when there are offenders: what it is, and the offenders. */
export type Check = (what: string, offenders: readonly unknown[]) => void;
