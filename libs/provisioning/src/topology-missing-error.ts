/** A queue or exchange a service expects to find on the broker is missing: the topology was never set up. */
export class TopologyMissingError extends Error {
  constructor(kind: 'queue' | 'exchange', name: string, options?: { cause?: unknown }) {
    super(
      `the broker has no ${kind} ${name}: the topology is set up before the services start ` +
        '(npm start does it; in compose, docker/rabbitmq/definitions.json)',
      options,
    );
    this.name = 'TopologyMissingError';
  }
}
