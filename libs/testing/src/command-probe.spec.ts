import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { Exchange, namespaced, newEnvelope, sagaReplyType } from '@saga/contracts';
import { publishRaw } from './broker-helpers';
import { CommandProbe } from './command-probe';
import { provisionTestInfrastructure, type TestInfrastructure } from './provision-test-infrastructure';
import { waitFor } from './wait-for';

describe('CommandProbe', () => {
  let infra: TestInfrastructure;
  let probe: CommandProbe;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    const connection = await amqplib.connect(infra.amqpUrl);
    const channel = await connection.createChannel();
    for (const exchange of [Exchange.Commands, Exchange.Replies]) {
      await channel.assertExchange(namespaced(infra.namespace, exchange), 'topic', { durable: true });
    }
    await connection.close();
    probe = await CommandProbe.open(infra.amqpUrl, infra.namespace);
  });

  afterAll(async () => {
    await probe?.close();
    await infra?.teardown();
  });

  it('sends a command to the commands exchange under its type', async () => {
    const connection = await amqplib.connect(infra.amqpUrl);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, namespaced(infra.namespace, Exchange.Commands), 'inventory.commit');

    const sent = await probe.send('inventory.commit', { orderId: randomUUID() });
    const received = await channel.get(queue, { noAck: true });
    await connection.close();

    expect(received && JSON.parse(received.content.toString())).toEqual(sent);
  });

  it('collects the replies to a command, a redelivered one included', async () => {
    const commandId = randomUUID();
    const reply = newEnvelope({
      type: sagaReplyType,
      payload: { commandId, commandType: 'inventory.commit', outcome: 'success', result: {} },
      sagaId: randomUUID(),
      correlationId: 'c',
      causationId: commandId,
    });
    const exchange = namespaced(infra.namespace, Exchange.Replies);
    for (let i = 0; i < 2; i++) {
      await publishRaw(infra.amqpUrl, {
        exchange,
        routingKey: 'reply.inventory.commit',
        content: JSON.stringify(reply),
      });
    }

    expect(await probe.replyTo(commandId)).toMatchObject({ commandId, outcome: 'success' });
    await waitFor(async () => probe.repliesTo(commandId).length === 2, { description: 'the second copy' });
  });
});
