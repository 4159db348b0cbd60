import { z } from 'zod';

/** One field that failed validation: where it is (`items[0].quantity`) and what is wrong with it. */
export const FieldError = z.object({
  field: z.string().meta({ examples: ['items[0].quantity', 'querystring.limit'] }),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

/**
 * A problem as every app answers it, as application/problem+json (RFC 9457); a problem may carry
 * members of its own besides these (`roles` on a 403, `retryAfterSeconds` on a 429).
 */
export const Problem = z.looseObject({
  type: z.string().meta({
    description: 'The page of this kind of problem: GET it to read what the problem means and what to do.',
    examples: ['/problems/404'],
  }),
  title: z.string().meta({ description: 'The same for every problem of its type.' }),
  status: z.int().min(400).max(599),
  detail: z.string().meta({ description: 'What went wrong with this request.' }),
  instance: z.string().meta({ description: 'The path of the request.' }),
  errors: z.array(FieldError).optional().meta({ description: 'On a 400: each field at fault, and why.' }),
});
export type Problem = z.infer<typeof Problem>;
