import { commandContracts } from './commands';
import {
  commandTypesOf,
  deadLetterQueueName,
  Exchange,
  namespaced,
  type QueueSpec,
  Queues,
  retryQueueName,
} from './topology';

/** Whether an AMQP topic pattern matches a routing key (`*` one word, `#` zero or more). */
function topicMatches(pattern: string, routingKey: string): boolean {
  const matchWords = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return matchWords(rest, k) || (k.length > 0 && matchWords(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && matchWords(rest, k.slice(1));
  };
  return matchWords(pattern.split('.'), routingKey.split('.'));
}

function queuesReceiving(commandType: string): QueueSpec[] {
  return Object.values(Queues).filter((queue: QueueSpec) =>
    queue.bindings.some(
      (binding) => binding.exchange === Exchange.Commands && topicMatches(binding.pattern, commandType),
    ),
  );
}

describe('commandTypesOf', () => {
  it('lists exactly the inventory commands for the inventory queue', () => {
    expect(commandTypesOf(Queues.inventoryCommands).sort()).toEqual([
      'inventory.commit',
      'inventory.release',
      'inventory.reserve',
      'inventory.return',
    ]);
  });

  it('lists nothing for a queue fed only by the replies exchange', () => {
    expect(commandTypesOf(Queues.orderSagaReplies)).toEqual([]);
  });

  it('agrees with the broker’s routing for every work queue', () => {
    for (const queue of Object.values(Queues) as QueueSpec[]) {
      const routed = Object.keys(commandContracts).filter((type) => queuesReceiving(type).includes(queue));
      expect({ queue: queue.name, commands: commandTypesOf(queue).sort() }).toEqual({
        queue: queue.name,
        commands: routed.sort(),
      });
    }
  });
});

describe('Queues', () => {
  it.each(Object.keys(commandContracts))('routes %s to exactly one queue', (type) => {
    expect(queuesReceiving(type)).toHaveLength(1);
  });

  it('has unique queue names', () => {
    const names = Object.values(Queues).map((queue) => queue.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('names', () => {
  it('prefixes a resource with its namespace and puts the dead-letter queue beside its queue', () => {
    expect(namespaced('t1', 'cart-worker.commands')).toBe('t1.cart-worker.commands');
    expect(deadLetterQueueName('t1.cart-worker.commands')).toBe('t1.cart-worker.commands.dlq');
  });

  it('numbers the retry queues of a work queue from 1', () => {
    expect(retryQueueName('t1.cart-worker.commands', 1)).toBe('t1.cart-worker.commands.retry.1');
    expect(retryQueueName('t1.cart-worker.commands', 4)).toBe('t1.cart-worker.commands.retry.4');
    expect(() => retryQueueName('t1.cart-worker.commands', 0)).toThrow(RangeError);
  });
});
