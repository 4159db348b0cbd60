import { randomInt } from 'node:crypto';

/**
 * A reproducible source of randomness for the fault suites: the seed comes from `E2E_SEED` when set,
 * otherwise a fresh one, and the suite prints it so a failing run can be replayed with `E2E_SEED=<seed>`.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number = seedFromEnvironment()) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1) (mulberry32: small, fast, good enough to choose kill points). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}

function seedFromEnvironment(): number {
  const given = process.env.E2E_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`E2E_SEED must be an integer, got ${given}`);
  return seed;
}
