import { randomUUID } from 'node:crypto';
import {
  cartCheckout,
  cartRelease,
  deadLetterQueueName,
  namespaced,
  Queues,
  ServiceName,
  brokerUserName,
} from '@saga/contracts';
import type { RunningService } from '@saga/runtime';
import { runService } from '@saga/runtime';
import {
  serviceConfigFor,
  CommandProbe,
  provisionTestInfrastructure,
  publishRaw,
  readQueue,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { cartWorkerService } from './cart-worker-service';
import { TestCatalogue } from './testing/test-catalogue';

describe('cart worker service', () => {
  let infrastructure: TestInfrastructure;
  let service: RunningService;
  let probe: CommandProbe;
  const catalogue = new TestCatalogue();

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure({ system: true });
    service = await runService(
      cartWorkerService({ catalogue }),
      serviceConfigFor(infrastructure, ServiceName.CartWorker),
    );
    probe = await CommandProbe.open(infrastructure.amqpUrl, infrastructure.namespace);
  });

  afterAll(async () => {
    await probe?.close();
    await service?.stop();
    await infrastructure?.teardown();
  });

  const commandQueue = () => namespaced(infrastructure.namespace, Queues.cartCommands.name);

  async function getCart(userId: string): Promise<unknown> {
    return (await fetch(`${service.url}/me/cart`, { headers: infrastructure.identity.as(userId) })).json();
  }

  function addToCart(userId: string, item: { productId: string; quantity: number }): Promise<Response> {
    return fetch(`${service.url}/me/cart/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...infrastructure.identity.as(userId) },
      body: JSON.stringify(item),
    });
  }

  it('checks out a cart filled over HTTP and replies with its items on the replies exchange', async () => {
    const userId = `shopper-${randomUUID()}`;
    const item = { productId: catalogue.sell(randomUUID()), quantity: 2 };
    const added = await addToCart(userId, item);
    expect(added.status).toBe(200);
    const orderId = randomUUID();

    const command = await probe.send(cartCheckout.type, { orderId, userId });

    expect(await probe.replyTo(command.messageId)).toEqual({
      commandId: command.messageId,
      commandType: cartCheckout.type,
      outcome: 'success',
      result: { cartId: expect.any(String), items: [item] },
    });
    expect(await getCart(userId)).toEqual({ userId, status: 'LOCKED', lockedByOrder: orderId, items: [item] });
  });

  it('dead-letters a malformed command with its reason and still answers the valid command behind it', async () => {
    await publishRaw(infrastructure.amqpUrl, {
      queue: commandQueue(),
      content: '{"not": "an envelope"',
      properties: { userId: brokerUserName(infrastructure.namespace, ServiceName.OrderSaga) },
    });
    const orderId = randomUUID();
    const userId = `shopper-${randomUUID()}`;

    const command = await probe.send(cartRelease.type, { orderId, userId });

    expect(await probe.replyTo(command.messageId)).toMatchObject({ commandId: command.messageId, outcome: 'success' });
    const [dead] = await waitFor(
      async () => {
        const messages = await readQueue(infrastructure.amqpUrl, deadLetterQueueName(commandQueue()));
        return messages.length > 0 && messages;
      },
      { description: 'the malformed command in the dead-letter queue' },
    );
    expect(dead.content.toString()).toBe('{"not": "an envelope"');
    expect(dead.headers['x-death-reason']).toBe('invalid_message');
    expect(String(dead.headers['x-error-message'])).toMatch(/not JSON/);
  });

  it('answers a redelivered command with its original reply instead of handling it again', async () => {
    const userId = `shopper-${randomUUID()}`;
    const item = { productId: catalogue.sell(randomUUID()), quantity: 1 };
    await addToCart(userId, item);
    const orderId = randomUUID();
    const checkout = await probe.send(cartCheckout.type, { orderId, userId });
    const original = await probe.replyTo(checkout.messageId);
    await probe.replyTo((await probe.send(cartRelease.type, { orderId, userId })).messageId);

    // Handled afresh, the checkout would now be refused: the order's cart was released.
    await probe.resend(checkout);

    const both = await waitFor(
      async () => {
        const answers = probe.repliesTo(checkout.messageId);
        return answers.length === 2 && answers;
      },
      { description: 'the re-sent reply to the redelivered checkout' },
    );
    expect(both).toEqual([original, original]);
    expect(original.outcome).toBe('success');
    expect(await getCart(userId)).toEqual({ userId, status: 'OPEN', lockedByOrder: null, items: [item] });
  });
});
