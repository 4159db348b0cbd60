import { z } from 'zod';

/**
 * The faults a test can switch on with POST /faults, each off by default: `refuse` answers every
 * message 451 (a temporary failure: the client should retry) and keeps nothing; `holdAfterAccept` keeps
 * the message, then says nothing for `holdMs` and drops the connection, so the client never hears the
 * 250 of a message the sink did take. `times` limits the fault to the next that many messages.
 */
export const Faults = z
  .strictObject({
    refuse: z.boolean().default(false),
    holdAfterAccept: z.boolean().default(false),
    /** How long a held message's connection stays silent before it is dropped. */
    holdMs: z.int().min(0).max(600_000).default(30_000),
    /** How many messages the fault applies to before it turns itself off; unset, until changed. */
    times: z.int().min(1).optional(),
  })
  .refine((faults) => !(faults.refuse && faults.holdAfterAccept), {
    error: 'refuse and holdAfterAccept exclude each other: a refused message is not kept',
  });
export type Faults = z.infer<typeof Faults>;

/** What becomes of one message that arrived: kept and answered 250, refused with 451, or kept and left unanswered. */
export type Fate =
  { readonly kind: 'accept' } | { readonly kind: 'refuse' } | { readonly kind: 'hold'; readonly ms: number };

/** The faults in force, as GET /faults shows them: `remaining` counts down `times` (null: no limit). */
export interface FaultState {
  readonly refuse: boolean;
  readonly holdAfterAccept: boolean;
  readonly holdMs: number;
  readonly remaining: number | null;
}

const none: Faults = Faults.parse({});

/** The faults a test switched on, and the fate of each message while they last. */
export class FaultSwitch {
  private faults: Faults = none;
  private remaining: number | null = null;

  /** Puts these faults in force, replacing the ones before (`{}` turns every fault off). */
  set(faults: Faults): FaultState {
    this.faults = faults;
    this.remaining = faults.times ?? null;
    return this.state();
  }

  /** Turns every fault off. */
  clear(): FaultState {
    return this.set(none);
  }

  /** The faults in force now. */
  state(): FaultState {
    const { refuse, holdAfterAccept, holdMs } = this.faults;
    return { refuse, holdAfterAccept, holdMs, remaining: this.remaining };
  }

  /** Decides the fate of the message that just arrived, counting it against `times`. */
  next(): Fate {
    const { refuse, holdAfterAccept, holdMs } = this.faults;
    if (!refuse && !holdAfterAccept) return { kind: 'accept' };
    if (this.remaining !== null) {
      this.remaining -= 1;
      if (this.remaining === 0) this.clear();
    }
    return refuse ? { kind: 'refuse' } : { kind: 'hold', ms: holdMs };
  }
}
