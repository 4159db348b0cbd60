import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from 'smtp-server';
import type { Fate, FaultSwitch } from './fault-switch';
import type { IncomingMessage, MessageStore, ReceivedMessage } from './message-store';

/** What the SMTP side needs: where messages go, the faults in force, the size limit, and whom to tell what happened. */
export interface SmtpSinkOptions {
  readonly store: MessageStore;
  readonly faults: FaultSwitch;
  readonly maxMessageBytes: number;
  readonly onMessage?: (message: ReceivedMessage) => void;
  /** A connection that failed (a client that reset it, say): the sink goes on. */
  readonly onError?: (error: Error) => void;
}

/** An SMTP server that keeps every message it is sent, and the connections a hold fault left unanswered. */
export interface SmtpSink {
  readonly server: SMTPServer;
  /** Stops taking mail: drops held connections at once, gives the others a moment to finish. */
  close(): Promise<void>;
}

// The bodies as the sender wrote them: no text made from HTML or HTML from text, cid: links left alone.
const asSent = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true } as const;

/** An error the SMTP client hears with this reply code. */
function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * An SMTP server for development: anyone may send, with or without a login (any is taken), and there is
 * no STARTTLS (it listens on loopback or a private network). Each message is parsed (mailparser) and
 * kept in the store before the 250, unless a fault says otherwise.
 */
export function createSmtpSink(options: SmtpSinkOptions): SmtpSink {
  const held = new Map<string, NodeJS.Timeout>();

  const dropConnection = (sessionId: string) => {
    clearTimeout(held.get(sessionId));
    held.delete(sessionId);
    for (const connection of server.connections) if (connection.id === sessionId) connection.close();
  };

  // Parses the message and keeps it, unless the faults refuse it; a failure to keep it rejects.
  const keep = async (raw: Buffer, session: SMTPServerSession): Promise<Fate> => {
    const parsed = await simpleParser(raw, asSent);
    const fate = options.faults.next();
    if (fate.kind === 'refuse') return fate;
    const message = options.store.add(incomingOf(parsed, session));
    options.onMessage?.(message);
    return fate;
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) => {
    const chunks: Buffer[] = [];
    // Past the limit the rest is only drained: the message is refused whole, never kept in part.
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        callback(smtpError(552, `message exceeds the maximum size of ${options.maxMessageBytes} bytes`));
        return;
      }
      keep(Buffer.concat(chunks), session).then(
        (fate) => {
          switch (fate.kind) {
            case 'accept':
              return callback();
            case 'refuse':
              return callback(smtpError(451, 'temporary failure (the sink refuses mail: POST /faults)'));
            case 'hold':
              // Kept, and the client never hears so: not the 250, nothing at all, until the connection goes.
              held.set(session.id, setTimeout(dropConnection, fate.ms, session.id));
              return;
            default:
              return fate satisfies never;
          }
        },
        (error: unknown) => callback(smtpError(451, `could not keep the message: ${(error as Error).message}`)),
      );
    });
  };

  const server = new SMTPServer({
    // No login needed, and any login taken, so a client configured with credentials works too.
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anyone' }),
    disabledCommands: ['STARTTLS'],
    size: options.maxMessageBytes,
    disableReverseLookup: true,
    logger: false,
    // On stop, a conversation in flight gets this long to finish before it is cut.
    closeTimeout: 2_000,
    onData,
    onClose: (session) => {
      clearTimeout(held.get(session.id));
      held.delete(session.id);
    },
  });
  // Without a listener, one client's reset connection would be an uncaught 'error' and end the process.
  server.on('error', (error) => options.onError?.(error));

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const sessionId of [...held.keys()]) dropConnection(sessionId);
        server.close(() => resolve());
      }),
  };
}

function incomingOf(parsed: ParsedMail, session: SMTPServerSession): IncomingMessage {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    messageId: parsed.messageId ?? null,
    from: parsed.from?.text ?? '',
    to: addressesOf(parsed.to),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html === false || parsed.html === undefined ? null : parsed.html,
    envelope: { mailFrom: mailFrom ? mailFrom.address : '', rcptTo: rcptTo.map((r) => r.address) },
  };
}

function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects
    .flatMap((object) => object.value)
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .flatMap((entry) => (entry.address ? [entry.address] : []));
}
