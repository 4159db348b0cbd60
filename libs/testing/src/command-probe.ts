import { randomUUID } from 'node:crypto';
import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  brokerUserName,
  Exchange,
  namespaced,
  newEnvelope,
  parseMessage,
  SagaReply,
  ServiceName,
  type MessageEnvelope,
} from '@saga/contracts';
import { waitFor } from './wait-for';

/** What to put on a command besides its type and payload; fresh ids when absent. */
export interface CommandOptions {
  readonly messageId?: string;
  readonly sagaId?: string;
  readonly correlationId?: string;
  /** The service it is published as (its broker user id); the orchestrator for a command, order-api for an event. */
  readonly from?: ServiceName;
}

/**
 * Stands in for the orchestrator in a worker's spec: sends commands to the namespace's commands
 * exchange (and events, as their owners would) and collects every reply, on a queue of its own that
 * disappears with the probe. It logs in as a TestInfrastructure's test login, which may publish as any
 * service, so each message carries the user id of the service that would send it.
 */
export class CommandProbe {
  private readonly replies: SagaReply[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly namespace: string,
  ) {}

  static async open(amqpUrl: string, namespace: string): Promise<CommandProbe> {
    const connection = await amqplib.connect(amqpUrl, { noDelay: true });
    const channel = await connection.createConfirmChannel();
    const probe = new CommandProbe(connection, channel, namespace);
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, namespaced(namespace, Exchange.Replies), 'reply.#');
    await channel.consume(
      queue,
      (message) => {
        if (message) probe.replies.push(SagaReply.parse(parseMessage(message.content).payload));
      },
      { noAck: true },
    );
    return probe;
  }

  /** Publishes a command as the orchestrator would and returns its envelope (its messageId is the commandId). */
  async send(type: string, payload: unknown, options: CommandOptions = {}): Promise<MessageEnvelope> {
    const envelope = newEnvelope({
      type,
      payload,
      messageId: options.messageId,
      sagaId: options.sagaId ?? randomUUID(),
      correlationId: options.correlationId ?? randomUUID(),
      causationId: null,
    });
    await this.publish(Exchange.Commands, envelope, options.from ?? ServiceName.OrderSaga);
    return envelope;
  }

  /** Publishes an event on the events exchange as the service that owns it would; returns its envelope. */
  async announce(type: string, payload: unknown, options: CommandOptions = {}): Promise<MessageEnvelope> {
    const envelope = newEnvelope({
      type,
      payload,
      messageId: options.messageId,
      sagaId: options.sagaId ?? null,
      correlationId: options.correlationId ?? randomUUID(),
      causationId: null,
    });
    await this.publish(Exchange.Events, envelope, options.from ?? ServiceName.OrderApi);
    return envelope;
  }

  /** Publishes a command again, exactly as the orchestrator sent it: a redelivery. */
  resend(envelope: MessageEnvelope): Promise<void> {
    return this.publish(Exchange.Commands, envelope, ServiceName.OrderSaga);
  }

  private async publish(exchange: Exchange, envelope: MessageEnvelope, from: ServiceName): Promise<void> {
    this.channel.publish(namespaced(this.namespace, exchange), envelope.type, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.messageId,
      type: envelope.type,
      contentType: 'application/json',
      persistent: true,
      userId: brokerUserName(this.namespace, from),
    });
    await this.channel.waitForConfirms();
  }

  /** Waits for the reply to a command. */
  replyTo(commandId: string, timeoutMs = 15_000): Promise<SagaReply> {
    return waitFor(async () => this.replies.find((r) => r.commandId === commandId), {
      timeoutMs,
      description: `the reply to command ${commandId}`,
    });
  }

  /** Every reply received so far to a command (more than one after a redelivery). */
  repliesTo(commandId: string): SagaReply[] {
    return this.replies.filter((r) => r.commandId === commandId);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
