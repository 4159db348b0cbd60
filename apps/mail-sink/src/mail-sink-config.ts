import { z } from 'zod';
import { httpHost, httpPort, logLevel } from '@saga/config';

/** The mail sink's environment: where it listens for SMTP and HTTP, and how much it keeps. */
export const MailSinkConfig = z.object({
  HOST: httpHost,
  /** The HTTP port of the listing (GET /messages) and its page (GET /). */
  PORT: httpPort(8025),
  /** The SMTP port mail is sent to. */
  SMTP_PORT: httpPort(1025),
  LOG_LEVEL: logLevel,
  /** How many messages are kept; the oldest go first. */
  MAX_MESSAGES: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** The largest message taken, in bytes; a bigger one is refused with 552. */
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** A JSON-lines file the messages are also written to and read back from at start; unset, they live in memory only. */
  MESSAGES_FILE: z.string().min(1).optional(),
});
export type MailSinkConfig = z.infer<typeof MailSinkConfig>;
