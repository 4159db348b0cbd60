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

  describe('redaction', () => {
    it('writes no token, secret, card data or credential, under a secret key or inside text', () => {
      const { logger, lines } = capture('json');
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
      logger.warn(`request with Bearer ${jwt} refused`, {
        headers: { authorization: `Bearer ${jwt}`, 'stripe-signature': 't=1,v1=abc' },
        paymentMethod: { method: 'card', token: 'pm_card_visa' },
        url: '/me/wallet?token=abc123&limit=5',
        error: 'connect ECONNREFUSED postgres://saga_orders:s3cret-pw@db:5432/saga with sk_live_51HxYzAbCdEfGh',
        note: 'card 4242 4242 4242 4242 was declined; order 1234567890123 is not a card',
      });
      const entry = JSON.parse(lines[0]);
      const text = lines[0];

      for (const secret of [
        jwt,
        'pm_card_visa',
        'abc123',
        's3cret-pw',
        'sk_live_51HxYzAbCdEfGh',
        '4242 4242 4242 4242',
        't=1,v1=abc',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(entry.message).toBe('request with Bearer [redacted] refused');
      expect(entry.headers).toEqual({ authorization: '[redacted]', 'stripe-signature': '[redacted]' });
      expect(entry.paymentMethod).toBe('[redacted]');
      expect(entry.url).toBe('/me/wallet?token=[redacted]&limit=5');
      expect(entry.error).toBe('connect ECONNREFUSED postgres://saga_orders:***@db:5432/saga with sk_[redacted]');
      expect(entry.note).toBe('card [redacted card number] was declined; order 1234567890123 is not a card');
    });

    it('masks a card number and a key even in a value that holds nothing else', () => {
      const { logger, lines } = capture('json');
      logger.info('card 4242 4242 4242 4242', { pan: '4242-4242-4242-4242', key: 'sk_test_51HxYzAbCdEfGh' });

      expect(JSON.parse(lines[0])).toMatchObject({
        message: 'card [redacted card number]',
        pan: '[redacted card number]',
        key: 'sk_[redacted]',
      });
    });

    it('writes control bytes and lone surrogates escaped, and a forged line break as text, in both formats', () => {
      for (const format of ['json', 'pretty'] as const) {
        const { logger, lines } = capture(format);
        logger.info('name\u0000 with a bell\u0007', {
          userId: 'ada\ud83c',
          sku: 'x\n2026-01-01 INFO [order-api] forged',
        });

        expect(lines).toHaveLength(1);
        expect(lines[0]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        expect(lines[0]).toContain(
          format === 'json' ? 'name\\\\u0000 with a bell\\\\u0007' : 'name\\u0000 with a bell\\u0007',
        );
        expect(lines[0]).toContain(format === 'json' ? 'ada\\\\ud83c' : 'ada\\ud83c');
      }
    });

    it('keeps the lines of a stack trace', () => {
      const { logger, lines } = capture('pretty');
      logger.error(new Error('broker went away'));

      expect(lines[1]).toBe('Error: broker went away');
      expect(lines[2]).toMatch(/^\s+at /);
    });
  });
});
