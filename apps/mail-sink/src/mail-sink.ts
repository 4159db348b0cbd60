import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { FaultSwitch } from './fault-switch';
import { buildHttpApp } from './http-app';
import { MessageStore, type ReceivedMessage } from './message-store';
import { createSmtpSink } from './smtp-sink';

/** Where the sink listens and how much it keeps (MailSinkConfig's values; port 0 picks a free one). */
export interface MailSinkOptions {
  readonly host: string;
  readonly httpPort: number;
  readonly smtpPort: number;
  readonly maxMessages: number;
  readonly maxMessageBytes: number;
  readonly messagesFile?: string;
  readonly onMessage?: (message: ReceivedMessage) => void;
  readonly onError?: (error: Error) => void;
}

/** A running sink: its two addresses, and a stop. */
export interface RunningMailSink {
  /** The HTTP base URL: the page, GET /messages, /faults, /readyz. */
  readonly httpUrl: string;
  readonly smtpHost: string;
  readonly smtpPort: number;
  /** Stops taking mail, then stops the HTTP side; a second call waits for the first. */
  stop(): Promise<void>;
}

/** Starts the SMTP server, then the HTTP one, and resolves once both listen (/readyz answers 200 from then on). */
export async function startMailSink(options: MailSinkOptions): Promise<RunningMailSink> {
  const store = new MessageStore({ limit: options.maxMessages, file: options.messagesFile });
  const faults = new FaultSwitch();
  const smtp = createSmtpSink({
    store,
    faults,
    maxMessageBytes: options.maxMessageBytes,
    onMessage: options.onMessage,
    onError: options.onError,
  });
  let ready = false;
  const http = buildHttpApp({ store, faults, isReady: () => ready });

  smtp.server.listen(options.smtpPort, options.host);
  // Rejects with the listener's 'error' (the port is taken, say).
  await once(smtp.server.server, 'listening');
  const smtpPort = (smtp.server.server.address() as AddressInfo).port;
  await http.listen({ port: options.httpPort, host: options.host }).catch(async (error: unknown) => {
    await smtp.close();
    throw error;
  });
  ready = true;

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    ready = false;
    await smtp.close();
    await http.close();
  };
  return {
    httpUrl: `http://${options.host}:${(http.server.address() as AddressInfo).port}`,
    smtpHost: options.host,
    smtpPort,
    stop: () => (stopped ??= stop()),
  };
}
