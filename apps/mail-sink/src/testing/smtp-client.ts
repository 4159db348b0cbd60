import { connect, type Socket } from 'node:net';

/** One SMTP reply: its code and its lines of text (a multi-line reply has several). */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** Thrown when a reply does not come: the server said nothing for that long, or closed the connection. */
export class NoReplyError extends Error {
  constructor(readonly reason: 'timeout' | 'closed') {
    super(reason === 'timeout' ? 'no SMTP reply in time' : 'the connection closed without a reply');
    this.name = 'NoReplyError';
  }
}

/**
 * A client that speaks SMTP over a plain socket, a command at a time, so a spec sees every reply (or
 * its absence) as the sink gives it; `send` runs one whole transaction.
 */
export class SmtpClient {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private waiting: { resolve: (reply: SmtpReply) => void; reject: (error: Error) => void } | undefined;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.reject(new NoReplyError('closed'));
      this.waiting = undefined;
    });
    socket.on('error', () => undefined);
  }

  /** Connects and reads the greeting (220). */
  static async connect(port: number, host = '127.0.0.1'): Promise<SmtpClient> {
    const socket = connect(port, host);
    const client = new SmtpClient(socket);
    expectCode(await client.reply(), 220);
    return client;
  }

  /** Sends one command line and resolves with its reply. */
  async command(line: string, timeoutMs = 5_000): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** DATA: sends the message (dot-stuffed, ended by `.`) and resolves with the server's final reply to it. */
  async data(message: string, timeoutMs = 5_000): Promise<SmtpReply> {
    expectCode(await this.command('DATA'), 354);
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(`${body.endsWith('\r\n') ? body : `${body}\r\n`}.\r\n`);
    return this.reply(timeoutMs);
  }

  /** Resolves once the server has closed the connection. */
  async closed(): Promise<void> {
    if (this.ended) return;
    await new Promise((resolve) => this.socket.once('close', resolve));
  }

  /** Closes the connection from this side. */
  end(): void {
    this.socket.destroy();
  }

  /** EHLO, MAIL FROM, RCPT TO each recipient, DATA: the server's reply to the message; then QUIT. */
  static async send(port: number, mail: { from: string; to: readonly string[]; message: string }): Promise<SmtpReply> {
    const client = await SmtpClient.connect(port);
    try {
      expectCode(await client.command('EHLO client.test'), 250);
      expectCode(await client.command(`MAIL FROM:<${mail.from}>`), 250);
      for (const to of mail.to) expectCode(await client.command(`RCPT TO:<${to}>`), 250);
      const reply = await client.data(mail.message);
      await client.command('QUIT').catch(() => undefined);
      return reply;
    } finally {
      client.end();
    }
  }

  private reply(timeoutMs = 5_000): Promise<SmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(new NoReplyError('closed'));
    return new Promise<SmtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new NoReplyError('timeout'));
      }, timeoutMs);
      this.waiting = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line.slice(4));
      // "250-..." continues a reply, "250 ..." ends it.
      if (line[3] === '-') continue;
      const reply = { code: Number(line.slice(0, 3)), lines: this.lines };
      this.lines = [];
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting.resolve(reply);
      else this.replies.push(reply);
    }
  }
}

function expectCode(reply: SmtpReply, code: number): void {
  if (reply.code !== code) throw new Error(`expected SMTP ${code}, got ${reply.code} ${reply.lines.join(' | ')}`);
}

/** A message as a mail client writes it: headers, then a text part, an HTML part, or both (multipart/alternative). */
export function mimeMessage(mail: {
  from: string;
  to: readonly string[];
  subject: string;
  messageId?: string;
  text?: string;
  html?: string;
}): string {
  const headers = [
    `From: ${mail.from}`,
    `To: ${mail.to.join(', ')}`,
    `Subject: ${mail.subject}`,
    ...(mail.messageId ? [`Message-ID: ${mail.messageId}`] : []),
    'Date: Thu, 01 Jan 2026 00:00:00 +0000',
    'MIME-Version: 1.0',
  ];
  const part = (type: string, body: string) =>
    [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: 8bit', '', body].join('\r\n');
  if (mail.text !== undefined && mail.html !== undefined) {
    const boundary = 'sink-test-boundary';
    return [
      ...headers,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      part('text/plain', mail.text),
      `--${boundary}`,
      part('text/html', mail.html),
      `--${boundary}--`,
      '',
    ].join('\r\n');
  }
  const [type, body] = mail.html === undefined ? ['text/plain', mail.text ?? ''] : ['text/html', mail.html];
  return [...headers, part(type, body), ''].join('\r\n');
}
