import {
  deadLetterOperator,
  Exchange,
  namespaced,
  ownerOf,
  Queues,
  servicePublishes,
  type ServiceName,
} from '@saga/contracts';
import type { Permissions } from './management-api';

/** A name as a regular expression that matches it literally. */
function literal(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/**
 * What a service's broker user may do in a namespace: configure nothing (the topology is set up for it);
 * write to the exchanges it publishes to, the dead-letter exchange and the default exchange (retries and
 * replays reach a queue by its name); read its own queues only. The dead-letter operator also reads every
 * `.dlq`, to list and replay them.
 */
export function brokerPermissions(namespace: string, service: ServiceName): Permissions {
  const exchanges = [...servicePublishes[service], Exchange.DeadLetter].map((e) => literal(namespaced(namespace, e)));
  const ownQueues = Object.values(Queues)
    .filter((queue) => ownerOf(queue) === service)
    .map((queue) => `${literal(namespaced(namespace, queue.name))}(\\..+)?`);
  const readable =
    service === deadLetterOperator ? [...ownQueues, `${literal(namespace)}\\.[^.]+\\.[^.]+\\.dlq`] : ownQueues;
  return {
    configure: '^$',
    write: `^(${[...exchanges, 'amq\\.default'].join('|')})$`,
    read: `^(${readable.join('|')})$`,
  };
}
