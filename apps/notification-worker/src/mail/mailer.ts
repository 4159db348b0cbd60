import nodemailer, { type Transporter } from 'nodemailer';
import type { RenderedMail } from './templates';

/** One e-mail to send: to whom, with which Message-ID, and what it says. */
export interface OutgoingMail extends RenderedMail {
  readonly to: string;
  /** `<...@...>`: the same for every attempt at the same notification, so a receiver can drop a repeat. */
  readonly messageId: string;
}

/** Sends e-mail; resolves once the SMTP server accepted the message, rejects with why it did not. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** What an SMTP mailer needs: the server's URL, the From, and how long a conversation may take. */
export interface SmtpSettings {
  readonly url: string;
  readonly from: string;
  readonly timeoutMs: number;
}

/** A mailer over SMTP (nodemailer); one connection per message, each step of it bounded by timeoutMs. */
export function smtpMailer({ url, from, timeoutMs }: SmtpSettings): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send({ to, messageId, subject, html, text }) {
      await transport.sendMail({ from, to, subject, html, text, messageId });
    },
    close: () => transport.close(),
  };
}
