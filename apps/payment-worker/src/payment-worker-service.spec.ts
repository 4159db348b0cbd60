import { randomUUID } from 'node:crypto';
import {
  deadLetterQueueName,
  namespaced,
  newEnvelope,
  paymentAuthorize,
  paymentCapture,
  paymentMethodProvided,
  Queues,
  ServiceName,
  brokerUserName,
} from '@saga/contracts';
import { Role } from '@saga/identity';
import { runService, type RunningService } from '@saga/runtime';
import {
  serviceConfigFor,
  CommandProbe,
  provisionTestInfrastructure,
  publishRaw,
  readQueue,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { testCardPaymentWorker } from './payment-worker-service';

describe('payment-worker service', () => {
  let infra: TestInfrastructure;
  let service: RunningService;
  let probe: CommandProbe;

  const wallet = async (userId: string) =>
    (await fetch(`${service.url}/me/wallet`, { headers: infra.identity.as(userId) })).json();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure({ system: true });
    service = await runService(testCardPaymentWorker, serviceConfigFor(infra, ServiceName.PaymentWorker));
    probe = await CommandProbe.open(infra.amqpUrl, infra.namespace);
  });
  afterAll(async () => {
    await probe?.close();
    await service?.stop();
    await infra?.teardown();
  });

  it('authorizes and captures a wallet payment over the broker, replying on the replies exchange', async () => {
    const credited = await fetch(`${service.url}/admin/wallets/alice/credit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...infra.identity.as('shop-admin', Role.Admin) },
      body: JSON.stringify({ amount: 10_000 }),
    });
    expect(credited.status).toBe(200);
    const orderId = randomUUID();

    const { messageId: authorizeId } = await probe.send(paymentAuthorize.type, {
      orderId,
      userId: 'alice',
      amount: 6_100,
      currency: 'USD',
      paymentMethod: { method: 'wallet' },
    });
    const authorized = await probe.replyTo(authorizeId);
    const captured = await probe.replyTo((await probe.send(paymentCapture.type, { orderId })).messageId);

    expect(authorized).toEqual({
      commandId: authorizeId,
      commandType: 'payment.authorize',
      outcome: 'success',
      result: { paymentId: expect.any(String), provider: 'wallet' },
    });
    expect(captured).toMatchObject({ outcome: 'success', result: { amount: 6_100 } });
    expect(await wallet('alice')).toEqual({
      userId: 'alice',
      balance: 3_900,
      held: 0,
      available: 3_900,
      currency: 'USD',
    });
    const payment = await (
      await fetch(`${service.url}/me/payments?orderId=${orderId}`, { headers: infra.identity.as('alice') })
    ).json();
    expect(payment).toMatchObject({ status: 'CAPTURED', ledger: [{ kind: 'authorize' }, { kind: 'capture' }] });
  });

  it('takes a card from the event order-api sends, and replies with the decline when the card is declined', async () => {
    const orderId = randomUUID();
    const card = { method: 'card', token: 'pm_card_chargeDeclinedInsufficientFunds' };
    // The command may well be first: it is retried until the card is there.
    const { messageId: commandId } = await probe.send(paymentAuthorize.type, {
      orderId,
      userId: 'bob',
      amount: 1_000,
      currency: 'USD',
      paymentMethod: { method: 'card' },
    });
    await probe.announce(paymentMethodProvided.type, { orderId, userId: 'bob', paymentMethod: card });

    expect(await probe.replyTo(commandId)).toMatchObject({
      outcome: 'failure',
      failure: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
  });

  it('dead-letters a malformed message with its reason and still answers the command behind it', async () => {
    const queue = namespaced(infra.namespace, Queues.paymentCommands.name);

    await publishRaw(infra.amqpUrl, {
      queue,
      content: JSON.stringify(
        newEnvelope({
          type: paymentCapture.type,
          payload: { orderId: 'not-a-uuid' },
          sagaId: null,
          correlationId: 'c',
          causationId: null,
        }),
      ),
      properties: { userId: brokerUserName(infra.namespace, ServiceName.OrderSaga) },
    });
    const { messageId: commandId } = await probe.send(paymentCapture.type, { orderId: randomUUID() });

    expect(await probe.replyTo(commandId)).toMatchObject({ outcome: 'failure', failure: { code: 'invalid_state' } });
    const dead = await waitFor(
      async () => {
        const messages = await readQueue(infra.amqpUrl, deadLetterQueueName(queue));
        return messages.length > 0 && messages;
      },
      { description: 'the malformed message in the dead-letter queue' },
    );
    expect(dead).toHaveLength(1);
    expect(dead[0].headers).toMatchObject({
      'x-death-reason': 'invalid_message',
      'x-error-message': expect.stringContaining('payload of payment.capture is invalid'),
    });
  });
});
