import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from './http-problem';

/** How many of something a key (a user, an address) may do per window. */
export interface RateLimitOptions {
  /** What is limited, for the answer: `orders`, `failed authentications`. */
  readonly what: string;
  readonly points: number;
  readonly perSeconds: number;
}

/**
 * A limit per key over a fixed window, kept in this process's memory: each instance of an app limits on
 * its own, so N instances behind a balancer allow up to N times the limit. Past the limit the caller is
 * answered 429 with Retry-After until the window ends.
 */
export class RateLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly options: RateLimitOptions) {
    this.limiter = new RateLimiterMemory({ points: options.points, duration: options.perSeconds });
  }

  /** Counts one for the key; a 429 HttpProblem if that is past the limit. */
  async take(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw this.refusal(rejection);
    }
  }

  /** Gives back the one a request took that turned out to do nothing new (an idempotent replay). */
  async giveBack(key: string): Promise<void> {
    await this.limiter.reward(key, 1);
  }

  /** Counts one for the key without refusing (the refusal comes with the next refuseIfSpent). */
  async count(key: string): Promise<void> {
    await this.limiter.penalty(key, 1);
  }

  /** A 429 HttpProblem if the key has used its window's points already. */
  async refuseIfSpent(key: string): Promise<void> {
    const used = await this.limiter.get(key);
    if (used && used.consumedPoints >= this.options.points) throw this.refusal(used);
  }

  private refusal(used: RateLimiterRes): HttpProblem {
    const { what, points, perSeconds } = this.options;
    return HttpProblem.tooManyRequests(
      `more than ${points} ${what} in ${perSeconds} s; try again after Retry-After`,
      used.msBeforeNext / 1000,
    );
  }
}
