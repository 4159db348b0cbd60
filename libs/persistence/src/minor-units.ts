import type { ValueTransformer } from 'typeorm';

/**
 * Reads a bigint money column as a JavaScript number. pg hands int8 over as a string, since int8
 * can pass 2^53; amounts are bounded far below that (maxAmount in contracts), so the number is exact,
 * and a value that would not be is refused rather than rounded.
 */
export const minorUnits: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : amountFromDatabase(value)),
};

/** A bigint amount a raw query returned (a string), as an exact number. */
export function amountFromDatabase(value: string | number): number {
  const amount = Number(value);
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount ${value} read from the database is not exact`);
  return amount;
}
