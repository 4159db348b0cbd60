import { z } from 'zod';
import { HttpProblem } from './http-problem';

/** The headers of a route that takes an Idempotency-Key (the other headers pass through). */
export const IdempotencyKeyHeaders = z.looseObject({ 'idempotency-key': z.string().max(200).optional() });

/** The key of an Idempotency-Key header; accepts `key` and `"key"` (a structured-field string in the IETF draft). */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = header.trim().replace(/^"(.*)"$/, '$1');
  if (key.length === 0) throw HttpProblem.badRequest('Idempotency-Key must not be empty', { field: 'Idempotency-Key' });
  return key;
}
