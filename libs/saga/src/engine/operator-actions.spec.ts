import { randomUUID } from 'node:crypto';
import { FailureCode, type SagaReply } from '@saga/contracts';
import { shopResultOf, shopSagaV1 as shop, type ShopInput } from '../testing/shop-saga';
import { applyReply, applyTimeout, startSaga, type Decision, type EngineClock, type SagaDecision } from './decide';
import {
  compensationPlanOf,
  extendDeadline,
  fireDeadline,
  ForcedCompensation,
  forceCompensation,
  killSaga,
  resumeSaga,
  skipStep,
} from './operator-actions';
import { SagaStatus, type SagaState } from './state';
import { remainingStepsOf, timelineOf, type TimelineEvent } from '../views/saga-timeline';

const clock: EngineClock = { now: new Date('2026-01-01T00:00:00Z'), newId: () => randomUUID(), random: () => 0.5 };
const later = (ms: number): EngineClock => ({ ...clock, now: new Date(clock.now.getTime() + ms) });
const input: ShopInput = { orderId: randomUUID(), items: [{ productId: randomUUID(), quantity: 1 }] };

function accepted(decision: Decision): SagaDecision {
  if (!decision.accepted) throw new Error(decision.reason);
  return decision;
}

function answer(state: SagaState, outcome: 'success' | FailureCode = 'success'): SagaDecision {
  const { commandId, commandType } = state.awaiting!;
  const reply: SagaReply =
    outcome === 'success'
      ? { commandId, commandType, outcome, result: shopResultOf(commandType, input) }
      : { commandId, commandType, outcome: 'failure', failure: { code: outcome, message: 'no luck' } };
  return accepted(applyReply(shop, state, reply, clock));
}

/** The saga answered with success until it waits on `stepId`. */
function waitingOn(stepId: string): SagaState {
  let state = startSaga(shop, input, clock).state;
  while (state.awaiting && state.awaiting.stepId !== stepId) state = answer(state).state;
  return state;
}

/** The saga stalled at `stepId`: its command kept failing with a failure that may pass. */
function stalledAt(stepId: string): SagaState {
  let state = waitingOn(stepId);
  while (state.status !== SagaStatus.RequiresAttention) state = answer(state, FailureCode.ProviderUnavailable).state;
  return state;
}

/** The saga stalled at its pivot: the capture never answered, however often it was sent. */
function pivotStalled(): SagaState {
  let state = waitingOn('take');
  while (state.status !== SagaStatus.RequiresAttention) {
    state = accepted(
      applyTimeout(shop, state, { ...clock, now: new Date(Date.parse(state.awaiting!.deadlineAt)) }),
    ).state;
  }
  return state;
}

const refusal = (decision: Decision) => (decision.accepted ? undefined : decision.reason);

describe('what an operator may do to a saga', () => {
  describe('retry', () => {
    it('re-sends the command a stalled step gave up on, from a first attempt', () => {
      const decision = accepted(resumeSaga(shop, stalledAt('approve'), clock));
      expect(decision.state).toMatchObject({ status: SagaStatus.Running, stalled: null });
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'order.approve', attempt: 1 })]);
    });

    it('refuses a saga that does not need attention', () => {
      expect(refusal(resumeSaga(shop, waitingOn('reserve'), clock))).toBe(
        'only a saga in REQUIRES_ATTENTION can be retried; this one is RUNNING',
      );
    });
  });

  describe('skip', () => {
    it('marks a stalled step after the pivot done by hand and goes on to the end', () => {
      const decision = accepted(skipStep(shop, stalledAt('approve'), { stepId: 'approve' }, clock));
      expect(decision.state).toMatchObject({ status: SagaStatus.Completed, stalled: null, awaiting: null });
      expect(decision.state.completedSteps).toEqual(['open', 'reserve', 'take', 'approve']);
      expect(decision.log.map((e) => e.type)).toEqual(['step-marked-done', 'saga-completed']);
    });

    it('marks a stalled compensation done by hand and undoes the next step', () => {
      let state = answer(waitingOn('take'), FailureCode.CardDeclined).state;
      while (state.status !== SagaStatus.RequiresAttention)
        state = answer(state, FailureCode.ProviderUnavailable).state;
      expect(state.stalled).toMatchObject({ stepId: 'reserve', phase: 'compensation' });

      const decision = accepted(skipStep(shop, state, { stepId: 'reserve' }, clock));
      expect(decision.state).toMatchObject({ status: SagaStatus.Compensating, compensatedSteps: ['reserve'] });
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'order.reject', stepId: 'open' })]);
    });

    it('refuses the pivot and a step before it, and a step the saga does not wait on', () => {
      expect(refusal(skipStep(shop, pivotStalled(), { stepId: 'take' }, clock))).toMatch(/^take is the pivot/);
      expect(refusal(skipStep(shop, waitingOn('reserve'), { stepId: 'reserve' }, clock))).toMatch(
        /^reserve comes before the pivot: compensate or cancel the saga/,
      );
      expect(refusal(skipStep(shop, waitingOn('reserve'), { stepId: 'approve' }, clock))).toBe(
        'the saga waits on reserve (action), not approve',
      );
    });
  });

  describe('compensate and cancel', () => {
    it('undoes what ran, and the step it waits on since it may have run, last first', () => {
      const state = waitingOn('reserve');
      const decision = accepted(forceCompensation(shop, state, ForcedCompensation.Compensate, clock));

      expect(decision.state).toMatchObject({
        status: SagaStatus.Compensating,
        failure: { stepId: 'reserve', code: 'compensated_by_operator' },
        completedSteps: ['open', 'reserve'],
      });
      expect(decision.log[0]).toMatchObject({ type: 'compensation-forced', stepId: 'reserve' });
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'inventory.release', stepId: 'reserve' })]);
    });

    it('plans the compensations in order with their payloads, as the saga would send them', () => {
      const state = waitingOn('reserve');
      const plan = compensationPlanOf(shop, state, ForcedCompensation.Cancel);
      expect(plan).toEqual({
        failure: expect.objectContaining({ code: 'cancelled', stepId: 'reserve' }),
        commands: [
          { stepId: 'reserve', type: 'inventory.release', payload: { orderId: input.orderId } },
          {
            stepId: 'open',
            type: 'order.reject',
            payload: { orderId: input.orderId, code: 'cancelled', reason: expect.stringMatching(/^Cancelled by/) },
          },
        ],
      });
    });

    it('refuses once the pivot was sent or succeeded, and while already compensating', () => {
      const stalledPivot = refusal(forceCompensation(shop, pivotStalled(), ForcedCompensation.Cancel, clock));
      expect(stalledPivot).toBe('its pivot take was sent and may have succeeded: retry it until its worker answers');
      expect(refusal(forceCompensation(shop, waitingOn('approve'), ForcedCompensation.Compensate, clock))).toMatch(
        /^the saga is past its pivot take/,
      );
      const compensating = answer(waitingOn('take'), FailureCode.CardDeclined).state;
      expect(refusal(forceCompensation(shop, compensating, ForcedCompensation.Compensate, clock))).toMatch(
        /^the saga is already compensating/,
      );
    });
  });

  describe('kill', () => {
    it('stops the saga where it is, sends nothing and says what it leaves as it is', () => {
      const decision = accepted(killSaga(waitingOn('take')));
      expect(decision.state).toMatchObject({ status: SagaStatus.Killed, awaiting: null });
      expect(decision.commands).toEqual([]);
      expect(decision.log[0]).toMatchObject({
        type: 'saga-killed',
        data: { leftAsTheyAre: ['open', 'reserve'], abandoned: expect.objectContaining({ stepId: 'take' }) },
      });
      expect(refusal(killSaga(decision.state))).toBe('the saga is already KILLED');
    });

    it('leaves a late reply to the abandoned command without effect', () => {
      const waiting = waitingOn('take');
      const killed = accepted(killSaga(waiting)).state;
      const { commandId, commandType } = waiting.awaiting!;
      const late = applyReply(shop, killed, { commandId, commandType, outcome: 'success', result: {} }, clock);
      expect(late).toEqual({ accepted: false, reason: 'saga is already KILLED' });
    });
  });

  describe('deadlines', () => {
    it('extends the deadline of the command it waits for, from the deadline', () => {
      const state = waitingOn('reserve');
      const decision = accepted(extendDeadline(state, 600_000, clock));
      expect(Date.parse(decision.state.awaiting!.deadlineAt) - Date.parse(state.awaiting!.deadlineAt)).toBe(600_000);
      expect(decision.log[0]).toMatchObject({ type: 'deadline-extended', data: { byMs: 600_000 } });
      expect(refusal(extendDeadline(state, 0, clock))).toMatch(/^an extension is from 1 ms to 7 days/);
    });

    it('fires a deadline that has not passed: a compensatable step counts as timed out and is undone', () => {
      const decision = accepted(fireDeadline(shop, waitingOn('reserve'), later(1_000)));
      expect(decision.log.map((e) => e.type).slice(0, 2)).toEqual(['deadline-fired', 'step-timed-out']);
      expect(decision.state.status).toBe(SagaStatus.Compensating);
      expect(decision.commands).toEqual([expect.objectContaining({ type: 'inventory.release' })]);
    });

    it('refuses both for a saga that waits for no reply', () => {
      const stalled = stalledAt('approve');
      expect(refusal(extendDeadline(stalled, 1_000, clock))).toBe('the saga waits for no reply, so it has no deadline');
      expect(refusal(fireDeadline(shop, stalled, clock))).toBe('the saga waits for no reply, so it has no deadline');
    });
  });
});

describe('the timeline of a saga', () => {
  it('draws one bar per step and compensation, with attempts, outcome, error and what it changed', () => {
    const events: TimelineEvent[] = [];
    let at = clock.now.getTime();
    const record = (decision: SagaDecision) => {
      at += 100;
      for (const entry of decision.log) events.push({ ...entry, at: new Date(at) });
      return decision.state;
    };
    let state = record(startSaga(shop, input, clock));
    state = record(answer(state));
    state = record(answer(state, FailureCode.ProviderUnavailable));
    state = record(answer(state));
    state = record(answer(state, FailureCode.CardDeclined));

    const { bars } = timelineOf(events, state);
    expect(bars.map((b) => [b.stepId, b.phase, b.outcome, b.attempts])).toEqual([
      ['open', 'action', 'succeeded', 1],
      ['reserve', 'action', 'succeeded', 2],
      ['take', 'action', 'failed', 1],
      ['reserve', 'compensation', 'waiting', 1],
    ]);
    expect(bars[1]).toMatchObject({
      error: { code: 'provider_unavailable' },
      durationMs: 200,
      changes: { reservationId: expect.any(String), total: 2500 },
    });
    expect(remainingStepsOf(shop, state)).toEqual([{ stepId: 'open', phase: 'compensation' }]);
  });

  it('names the operator, the action and the reason of every act', () => {
    const stalled = stalledAt('approve');
    const decision = accepted(skipStep(shop, stalled, { stepId: 'approve' }, clock));
    const events = decision.log.map((entry) => ({
      ...entry,
      data: { ...entry.data, by: 'operator', action: 'skip', actor: 'olga', reason: 'approved in the back office' },
      at: clock.now,
    }));
    expect(timelineOf(events, decision.state).operatorActions).toContainEqual(
      expect.objectContaining({ action: 'skip', actor: 'olga', reason: 'approved in the back office' }),
    );
  });
});
