import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** One message the sink took, as GET /messages lists it: its headers, its bodies and its SMTP envelope. */
export const ReceivedMessage = z.object({
  /** The sink's own id, a sequence number: GET /messages/:id. */
  id: z.string(),
  /** The Message-ID header, angle brackets included; null when the message had none. */
  messageId: z.string().nullable(),
  /** The From header as written (`Saga Shop <shop@saga.local>`); empty when absent. */
  from: z.string(),
  /** The addresses of the To header. */
  to: z.array(z.string()),
  subject: z.string(),
  /** The plain-text body; empty when the message had none. */
  text: z.string(),
  /** The HTML body, as sent; null when the message had none. */
  html: z.string().nullable(),
  receivedAt: z.iso.datetime(),
  /** Who the SMTP client said the message is from and for (MAIL FROM, RCPT TO): Bcc recipients are here only. */
  envelope: z.object({ mailFrom: z.string(), rcptTo: z.array(z.string()) }),
});
export type ReceivedMessage = z.infer<typeof ReceivedMessage>;

/** A message as the SMTP side hands it over, before the store numbers and dates it. */
export type IncomingMessage = Omit<ReceivedMessage, 'id' | 'receivedAt'>;

/** Which messages to list: those one address received (in the To header or the envelope), any case. */
export interface MessageFilter {
  readonly to?: string;
}

/** How many messages a store keeps, and the file it keeps them in too, if any. */
export interface MessageStoreOptions {
  readonly limit: number;
  readonly file?: string;
  readonly now?: () => Date;
}

/**
 * The messages the sink received, oldest first, at most `limit` of them. With a file, each message is
 * appended to it before the SMTP client hears 250, and a new store reads it back, so a sink stopped and
 * started again still shows what it took before (and a test can tell a resent message from a lost one).
 */
export class MessageStore {
  private messages: ReceivedMessage[] = [];
  private lastId = 0;
  private linesInFile = 0;

  constructor(private readonly options: MessageStoreOptions) {
    if (options.file && existsSync(options.file)) this.load(options.file);
  }

  /** Keeps a message, numbered after the last one, and drops the oldest beyond the limit. */
  add(incoming: IncomingMessage): ReceivedMessage {
    this.lastId += 1;
    const message: ReceivedMessage = {
      id: String(this.lastId),
      ...incoming,
      receivedAt: (this.options.now?.() ?? new Date()).toISOString(),
    };
    this.messages.push(message);
    if (this.messages.length > this.options.limit) this.messages.shift();
    this.persist(message);
    return message;
  }

  /** The messages kept, oldest first, those of one recipient only when the filter names one. */
  list(filter: MessageFilter = {}): readonly ReceivedMessage[] {
    const to = filter.to?.trim().toLowerCase();
    if (!to) return [...this.messages];
    return this.messages.filter((m) => [...m.to, ...m.envelope.rcptTo].some((address) => address.toLowerCase() === to));
  }

  /** One message by its id, if it is still kept. */
  get(id: string): ReceivedMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Forgets every message (and empties the file); ids go on from the last one, so an old id never names a new message. */
  clear(): number {
    const cleared = this.messages.length;
    this.messages = [];
    this.rewriteFile();
    return cleared;
  }

  private load(file: string): void {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      // A line cut short by a crash mid-write (or edited by hand) is skipped, not fatal.
      const parsed = ReceivedMessage.safeParse(safeJson(line));
      if (!parsed.success) continue;
      this.messages.push(parsed.data);
      this.lastId = Math.max(this.lastId, Number(parsed.data.id) || 0);
    }
    this.messages = this.messages.slice(-this.options.limit);
    this.rewriteFile();
  }

  private persist(message: ReceivedMessage): void {
    const file = this.options.file;
    if (!file) return;
    // Rewritten once it holds twice what is kept, so the file stays as bounded as the list.
    if (this.linesInFile >= 2 * this.options.limit) this.rewriteFile();
    else {
      appendFileSync(file, `${JSON.stringify(message)}\n`);
      this.linesInFile += 1;
    }
  }

  private rewriteFile(): void {
    const file = this.options.file;
    if (!file) return;
    writeFileSync(file, this.messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
    this.linesInFile = this.messages.length;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
