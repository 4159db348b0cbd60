import { isTerminal } from '../engine/state';
import type { LockedSaga } from '../store/saga-store';

/**
 * The sagas an orchestrator wrote last, as it wrote them, so the reply they await can be decided
 * without reading the row first. Only a hint: the write that follows is checked against the version,
 * and a saga another replica moved meanwhile is simply read again. Finished sagas are dropped, and the
 * oldest entries go once there are `capacity` of them.
 */
export class RecentSagas {
  private readonly sagas = new Map<string, LockedSaga>();

  constructor(private readonly capacity: number) {}

  get(sagaId: string): LockedSaga | undefined {
    return this.sagas.get(sagaId);
  }

  /** Remembers a saga as it is now committed, or forgets it once it has finished. */
  remember(saga: LockedSaga): void {
    this.sagas.delete(saga.id);
    if (isTerminal(saga.status)) return;
    this.sagas.set(saga.id, saga);
    if (this.sagas.size > this.capacity) this.sagas.delete(this.sagas.keys().next().value as string);
  }

  forget(sagaId: string): void {
    this.sagas.delete(sagaId);
  }
}
