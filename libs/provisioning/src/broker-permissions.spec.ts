import { ServiceName } from '@saga/contracts';
import { brokerPermissions } from './broker-permissions';

const matches = (pattern: string, name: string) => new RegExp(pattern).test(name);

describe('brokerPermissions', () => {
  it('lets a worker read only its own queues and write only replies, dead letters and retries', () => {
    const rights = brokerPermissions('shop', ServiceName.CartWorker);
    expect(rights.configure).toBe('^$');
    for (const queue of ['shop.cart-worker.commands', 'shop.cart-worker.commands.retry.2'])
      expect(matches(rights.read, queue)).toBe(true);
    for (const queue of [
      'shop.payment-worker.commands',
      'shop.payment-worker.commands.dlq',
      'other.cart-worker.commands',
    ])
      expect(matches(rights.read, queue)).toBe(false);
    for (const exchange of ['shop.saga.replies', 'shop.saga.dead-letter', 'amq.default'])
      expect(matches(rights.write, exchange)).toBe(true);
    for (const exchange of ['shop.saga.commands', 'shop.saga.events', 'shopXsaga.replies', 'amq.topic'])
      expect(matches(rights.write, exchange)).toBe(false);
  });

  it('lets the inventory worker publish events too (low stock), and the notification worker publish nothing', () => {
    expect(matches(brokerPermissions('shop', ServiceName.InventoryWorker).write, 'shop.saga.events')).toBe(true);
    const notifications = brokerPermissions('shop', ServiceName.NotificationWorker);
    for (const exchange of ['shop.saga.events', 'shop.saga.replies', 'shop.saga.commands'])
      expect(matches(notifications.write, exchange)).toBe(false);
    expect(matches(notifications.read, 'shop.notification-worker.events')).toBe(true);
  });

  it('lets the orchestrator send commands and events and read every dead-letter queue', () => {
    const rights = brokerPermissions('shop', ServiceName.OrderSaga);
    expect(matches(rights.write, 'shop.saga.commands')).toBe(true);
    expect(matches(rights.write, 'shop.saga.replies')).toBe(false);
    expect(matches(rights.read, 'shop.payment-worker.commands.dlq')).toBe(true);
    expect(matches(rights.read, 'shop.payment-worker.commands')).toBe(false);
  });
});
