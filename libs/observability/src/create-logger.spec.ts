import { PassThrough } from 'node:stream';
import { createLogger, type LogFormat } from './create-logger';
import { messageContext } from './message-context';

function capture(format: LogFormat) {
  const destination = new PassThrough();
  const lines: string[] = [];
  destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { logger: createLogger({ service: 'order-api', level: 'debug', format, destination }), lines };
}

const envelope = {
  messageId: '4a1c9ff6-4f7e-4f22-9d8e-2b3f5b3a7d10',
  type: 'inventory.reserve',
  sagaId: '0b5cf0d2-6a55-4c38-8a0e-4f5f1f0f6a11',
  correlationId: 'order-42',
};

describe('createLogger', () => {
  it('writes one JSON object per line carrying the service and the message context', () => {
    const { logger, lines } = capture('json');
    logger.child(messageContext(envelope)).info('reserving stock', { items: 2 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      message: 'reserving stock',
      service: 'order-api',
      messageId: envelope.messageId,
      messageType: 'inventory.reserve',
      sagaId: envelope.sagaId,
      correlationId: 'order-42',
      items: 2,
      timestamp: expect.any(String),
    });
  });

  it('serialises an error with its stack, whether logged directly or as metadata', () => {
    const { logger, lines } = capture('json');
    logger.error(new Error('broker went away'));
    logger.error('handler failed', { err: new TypeError('bad input') });
    const [direct, asMeta] = lines.map((line) => JSON.parse(line));
    expect(direct.message).toBe('broker went away');
    expect(direct.stack).toContain('Error: broker went away');
    expect(asMeta.err).toMatchObject({
      name: 'TypeError',
      message: 'bad input',
      stack: expect.stringContaining('bad input'),
    });
  });

  it('writes readable single lines with the fields as key=value in pretty format', () => {
    const { logger, lines } = capture('pretty');
    logger.warn('slow handler', { ms: 812, queue: 'saga.order-api.commands' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\S+ WARN {2}\[order-api\] slow handler ms=812 queue=saga\.order-api\.commands$/);
  });

  it('drops entries below the configured level', () => {
    const destination = new PassThrough();
    const logger = createLogger({ service: 'cart-worker', level: 'warn', format: 'json', destination });
    logger.info('not written');
    logger.warn('written');
    expect(String(destination.read())).toContain('written');
    expect(String(destination.read() ?? '')).not.toContain('not written');
  });
});
