import { z } from 'zod';

/**
 * The query of a page of an append-only ledger, oldest first: `after` the id of the last entry of the
 * page before (the `next` it answered), and how many entries at most.
 */
export const LedgerPageQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,18}$/, { error: 'expected the id of a ledger entry' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type LedgerPageQuery = z.infer<typeof LedgerPageQuery>;
