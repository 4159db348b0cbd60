import type { ConfirmChannel, Options } from 'amqplib';
import { once } from 'node:events';
import { BrokerUnavailableError, PublishNackedError, UnroutableMessageError } from './errors';

interface PendingPublish {
  readonly messageId: string;
  returned: boolean;
}

/**
 * Publishes on one confirm channel and settles each publish with the broker's verdict on it. Every
 * message carries the login's user id, which RabbitMQ validates and consumers check.
 */
export class ConfirmedPublisher {
  // In publish order. RabbitMQ sends a mandatory message's basic.return before its confirm, so a
  // return belongs to the oldest unconfirmed publish with the same message id.
  private readonly pending: PendingPublish[] = [];
  private drained: Promise<void> | undefined;
  private closeError: Error | undefined;
  private closed = false;

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly userId: string,
  ) {
    channel.on('return', (message) => {
      const messageId = String(message.properties.messageId ?? '');
      const entry = this.pending.find((p) => !p.returned && p.messageId === messageId);
      if (entry) entry.returned = true;
    });
    channel.on('error', (error: Error) => {
      this.closeError = error;
    });
    channel.on('close', () => {
      this.closed = true;
    });
  }

  /** Whether the channel can still carry publishes. */
  isOpen(): boolean {
    return !this.closed;
  }

  /** Resolves once the broker confirmed the message; rejects if it was returned, nacked or the channel died. */
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    if (this.drained) await this.drained;
    if (this.closed) throw new BrokerUnavailableError('the publishing channel is closed', { cause: this.closeError });
    const entry: PendingPublish = { messageId: String(options.messageId ?? ''), returned: false };
    this.pending.push(entry);
    await new Promise<void>((resolve, reject) => {
      const settle = (error: unknown) => {
        this.pending.splice(this.pending.indexOf(entry), 1);
        if (this.closed || (error && !(error instanceof Error && error.message === 'message nacked'))) {
          reject(
            new BrokerUnavailableError('the publishing channel closed before the broker confirmed', {
              cause: this.closeError ?? error,
            }),
          );
        } else if (error) reject(new PublishNackedError(exchange, routingKey));
        else if (entry.returned) reject(new UnroutableMessageError(exchange, routingKey));
        else resolve();
      };
      let writable: boolean;
      try {
        writable = this.channel.publish(exchange, routingKey, content, { ...options, userId: this.userId }, settle);
      } catch (error) {
        settle(error);
        return;
      }
      if (!writable && !this.drained) this.drained = this.waitForDrain();
    });
  }

  private async waitForDrain(): Promise<void> {
    // A channel that closes never drains; its close settles every publish instead.
    await Promise.race([once(this.channel, 'drain'), once(this.channel, 'close')]);
    this.drained = undefined;
  }
}
