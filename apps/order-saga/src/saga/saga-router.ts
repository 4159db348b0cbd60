import { SagaInstance, stepListOf, type SagaOrchestrator } from '@saga/saga';
import type { EntityManager } from 'typeorm';

/** The orchestrators this app runs, one per saga, all over the same saga schema. */
export type AnyOrchestrator = SagaOrchestrator<never>;

/**
 * Finds the orchestrator of each saga: by the command a reply answers (each command type belongs to
 * one saga's steps, checked here, so a reply needs no read to find its saga), or by the saga's name.
 */
export class SagaRouter {
  private readonly byCommand = new Map<string, AnyOrchestrator>();
  private readonly byName = new Map<string, AnyOrchestrator>();

  constructor(orchestrators: readonly AnyOrchestrator[]) {
    for (const orchestrator of orchestrators) {
      this.byName.set(orchestrator.name, orchestrator);
      for (const definition of orchestrator.definitions) {
        for (const step of stepListOf(definition.steps)) {
          for (const type of [step.action, step.compensation]) {
            if (type === null) continue;
            const owner = this.byCommand.get(type);
            if (owner && owner !== orchestrator) {
              throw new Error(
                `${type} is a step of both ${owner.name} and ${orchestrator.name}: replies could not find their saga`,
              );
            }
            this.byCommand.set(type, orchestrator);
          }
        }
      }
    }
  }

  /** The orchestrator whose sagas send commands of this type, or undefined. */
  forCommand(commandType: string): AnyOrchestrator | undefined {
    return this.byCommand.get(commandType);
  }

  /** The orchestrator of the saga of this name, or undefined. */
  named(name: string): AnyOrchestrator | undefined {
    return this.byName.get(name);
  }

  /**
   * The saga of this id's definition name and its orchestrator (undefined when this build runs no saga
   * of that name); undefined when there is no such saga. For operator acts, which name a saga by id.
   */
  async ofSaga(
    manager: EntityManager,
    sagaId: string,
  ): Promise<{ definitionName: string; orchestrator: AnyOrchestrator | undefined } | undefined> {
    const saga = await manager.getRepository(SagaInstance).findOne({
      where: { id: sagaId },
      select: { id: true, definitionName: true },
    });
    return saga ? { definitionName: saga.definitionName, orchestrator: this.named(saga.definitionName) } : undefined;
  }
}
