import { loadConfig } from '@saga/config';
import { startMailSink } from './mail-sink';
import { MailSinkConfig } from './mail-sink-config';

// A development tool, not a service: no database, broker or identity, so no runService; it prints
// plain lines, what it received at `info`, and exits 0 once both servers are closed.
const config = loadConfig(MailSinkConfig);
const chatty = config.LOG_LEVEL === 'info' || config.LOG_LEVEL === 'debug';
const say = (line: string) => {
  if (chatty) process.stdout.write(`${line}\n`);
};

startMailSink({
  host: config.HOST,
  httpPort: config.PORT,
  smtpPort: config.SMTP_PORT,
  maxMessages: config.MAX_MESSAGES,
  maxMessageBytes: config.MAX_MESSAGE_BYTES,
  messagesFile: config.MESSAGES_FILE,
  onMessage: (m) =>
    say(`received #${m.id} ${m.messageId ?? '(no Message-ID)'} to ${m.envelope.rcptTo.join(', ')}: ${m.subject}`),
  onError: (error) => {
    if (config.LOG_LEVEL !== 'error') process.stderr.write(`smtp connection failed: ${error.message}\n`);
  },
}).then(
  (sink) => {
    say(`mail sink listening on ${sink.httpUrl} (SMTP ${sink.smtpHost}:${sink.smtpPort})`);
    const shutdown = (signal: string) => {
      say(`received ${signal}`);
      sink.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${(error as Error)?.stack ?? String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  },
  (error: unknown) => {
    process.stderr.write(`fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
