import { z } from 'zod';
import { baseEnv, httpPort } from '@saga/config';

const address = z.email({ error: 'expected an e-mail address' });

/** The notification worker's environment: the common variables, the SMTP server and who hears what. */
export const NotificationWorkerConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3005),
  /** The SMTP server mail goes through: smtp:// (STARTTLS when offered) or smtps://, with user:password if it needs a login. */
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'expected an smtp:// or smtps:// URL' })
    .default('smtp://127.0.0.1:1025'),
  /** How long one SMTP conversation may take before it counts as failed (and is retried). */
  SMTP_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(10_000),
  /** The From of every e-mail. */
  MAIL_FROM: z.string().min(3).default('Saga Shop <shop@saga.local>'),
  /** The shop's address: low-stock warnings. */
  SHOP_EMAIL: address.default('shop@saga.local'),
  /** The operators' address: sagas that stalled and need a person. */
  OPERATORS_EMAIL: address.default('operators@saga.local'),
  /** Where the shop's pages are, for the links in the e-mails. */
  SHOP_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('http://127.0.0.1:3000'),
  /** Where the inventory's admin API is, for the restock link of a low-stock warning. */
  INVENTORY_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('http://127.0.0.1:3001'),
});
export type NotificationWorkerConfig = z.infer<typeof NotificationWorkerConfig>;
