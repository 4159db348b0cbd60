import { randomUUID } from 'node:crypto';
import type { MessageEnvelope } from './envelope';
import { InvalidMessageError, parseMessage } from './messages';

function commandEnvelope(overrides: Partial<MessageEnvelope> = {}): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type: 'inventory.reserve',
    schemaVersion: 1,
    sagaId: randomUUID(),
    correlationId: 'order-1',
    causationId: null,
    occurredAt: '2026-11-21T10:00:00.000Z',
    payload: { orderId: randomUUID(), items: [{ productId: randomUUID(), quantity: 2 }] },
    ...overrides,
  };
}

function parseFailure(content: Buffer | string): InvalidMessageError {
  try {
    parseMessage(content);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMessageError);
    return error as InvalidMessageError;
  }
  throw new Error('parseMessage accepted the message');
}

describe('parseMessage', () => {
  it('accepts a valid command envelope and returns it with its validated payload', () => {
    const sent = commandEnvelope();

    const parsed = parseMessage(Buffer.from(JSON.stringify(sent)));

    expect(parsed).toEqual(sent);
  });

  it('returns the payload as its schema parsed it, without fields the schema does not know', () => {
    const sent = commandEnvelope({
      payload: { orderId: randomUUID(), items: [{ productId: randomUUID(), quantity: 1 }], extra: 'x' },
    });

    const parsed = parseMessage(JSON.stringify(sent));

    expect(parsed.payload).not.toHaveProperty('extra');
    expect(parsed.payload).toEqual({
      orderId: (sent.payload as { orderId: string }).orderId,
      items: (sent.payload as { items: unknown }).items,
    });
  });

  it('rejects a body that is not JSON', () => {
    const error = parseFailure(Buffer.from('{not json'));

    expect(error.message).toMatch(/^body is not JSON/);
    expect(error.messageType).toBeUndefined();
  });

  it('rejects an invalid envelope and names the bad field', () => {
    const error = parseFailure(JSON.stringify({ ...commandEnvelope(), messageId: 'not-a-uuid' }));

    expect(error.message).toMatch(/^envelope is invalid/);
    expect(error.message).toContain('messageId');
    expect(error.messageType).toBeUndefined();
  });

  it('rejects an envelope of a type nobody defined and names the type', () => {
    const error = parseFailure(JSON.stringify(commandEnvelope({ type: 'inventory.teleport' })));

    expect(error.message).toBe('unknown message type inventory.teleport');
    expect(error.messageType).toBe('inventory.teleport');
  });

  it('does not take an inherited property name for a message type', () => {
    const error = parseFailure(JSON.stringify(commandEnvelope({ type: 'constructor' })));

    expect(error.message).toBe('unknown message type constructor');
  });

  it('rejects an invalid payload and names the bad field by its path', () => {
    const sent = commandEnvelope({
      payload: { orderId: randomUUID(), items: [{ productId: randomUUID(), quantity: 0 }] },
    });

    const error = parseFailure(JSON.stringify(sent));

    expect(error.message).toMatch(/^payload of inventory\.reserve is invalid/);
    expect(error.message).toContain('items[0].quantity');
    expect(error.messageType).toBe('inventory.reserve');
  });

  it('validates replies and events by their own schemas', () => {
    const reply = commandEnvelope({
      type: 'saga.reply',
      payload: {
        commandId: randomUUID(),
        commandType: 'payment.authorize',
        outcome: 'failure',
        failure: { code: 'card_declined', message: 'declined' },
      },
    });
    const event = commandEnvelope({
      type: 'order.failed',
      payload: { orderId: randomUUID(), userId: 'u-1', code: 'x', reason: 'y' },
    });
    const badReply = commandEnvelope({
      type: 'saga.reply',
      payload: {
        commandId: randomUUID(),
        commandType: 'payment.authorize',
        outcome: 'failure',
        failure: { code: 'lost_in_space', message: 'x' },
      },
    });

    expect(parseMessage(JSON.stringify(reply))).toEqual(reply);
    expect(parseMessage(JSON.stringify(event))).toEqual(event);
    expect(parseFailure(JSON.stringify(badReply)).message).toContain('failure.code');
  });
});
