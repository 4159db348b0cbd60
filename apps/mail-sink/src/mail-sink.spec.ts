import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultState } from './fault-switch';
import { startMailSink, type MailSinkOptions, type RunningMailSink } from './mail-sink';
import type { ReceivedMessage } from './message-store';
import { mimeMessage, NoReplyError, SmtpClient } from './testing/smtp-client';

const shop = 'Saga Shop <shop@saga.local>';

describe('the mail sink', () => {
  const running: RunningMailSink[] = [];

  async function sink(options: Partial<MailSinkOptions> = {}): Promise<RunningMailSink> {
    const started = await startMailSink({
      host: '127.0.0.1',
      httpPort: 0,
      smtpPort: 0,
      maxMessages: 1000,
      maxMessageBytes: 1024 * 1024,
      ...options,
    });
    running.push(started);
    return started;
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  async function messages(s: RunningMailSink, query = ''): Promise<ReceivedMessage[]> {
    const response = await fetch(`${s.httpUrl}/messages${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: ReceivedMessage[] }).messages;
  }

  async function setFaults(s: RunningMailSink, faults: unknown): Promise<Response> {
    return fetch(`${s.httpUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
  }

  function send(
    s: RunningMailSink,
    to: string[],
    mail: { subject: string; text?: string; html?: string; messageId?: string },
  ) {
    return SmtpClient.send(s.smtpPort, {
      from: 'shop@saga.local',
      to,
      message: mimeMessage({ from: shop, to, ...mail }),
    });
  }

  it('keeps a message sent over SMTP and lists its recipients, subject, text, HTML and Message-ID', async () => {
    const s = await sink();

    const reply = await SmtpClient.send(s.smtpPort, {
      from: 'shop@saga.local',
      to: ['alice@example.com', 'audit@saga.local'],
      message: mimeMessage({
        from: shop,
        to: ['Alice <alice@example.com>'],
        subject: 'Your order is confirmed',
        messageId: '<order-1.completed@saga.local>',
        text: 'Order 1 is paid.\n.a line that starts with a dot',
        html: '<p>Order <b>1</b> is paid.</p>',
      }),
    });

    expect(reply.code).toBe(250);
    const [message] = await messages(s);
    expect(message).toEqual({
      id: '1',
      messageId: '<order-1.completed@saga.local>',
      from: '"Saga Shop" <shop@saga.local>',
      to: ['alice@example.com'],
      subject: 'Your order is confirmed',
      text: 'Order 1 is paid.\n.a line that starts with a dot',
      html: '<p>Order <b>1</b> is paid.</p>',
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      envelope: { mailFrom: 'shop@saga.local', rcptTo: ['alice@example.com', 'audit@saga.local'] },
    });
    expect(await (await fetch(`${s.httpUrl}/messages/1`)).json()).toEqual(message);
  });

  it('keeps the bodies as sent: no HTML made up for a text-only message, no text for an HTML-only one', async () => {
    const s = await sink();

    await send(s, ['a@example.com'], { subject: 'text only', text: 'just text' });
    await send(s, ['a@example.com'], { subject: 'html only', html: '<p>just html</p>' });

    const [textOnly, htmlOnly] = await messages(s);
    // A single part's body ends with its last line break; a multipart one's belongs to the boundary.
    expect(textOnly).toMatchObject({ text: 'just text\n', html: null, messageId: null });
    expect(htmlOnly).toMatchObject({ text: '', html: '<p>just html</p>\n' });
  });

  it('lists messages newest last, and those of one recipient (To or envelope, any case) with ?to=', async () => {
    const s = await sink();
    await send(s, ['alice@example.com'], { subject: 'first', text: '1' });
    await send(s, ['bob@example.com'], { subject: 'second', text: '2' });
    // Bcc: in the envelope only.
    await SmtpClient.send(s.smtpPort, {
      from: 'shop@saga.local',
      to: ['bob@example.com', 'alice@example.com'],
      message: mimeMessage({ from: shop, to: ['bob@example.com'], subject: 'third', text: '3' }),
    });

    expect((await messages(s)).map((m) => m.subject)).toEqual(['first', 'second', 'third']);
    expect((await messages(s, '?to=Alice@Example.com')).map((m) => m.subject)).toEqual(['first', 'third']);
    expect((await messages(s, '?to=nobody@example.com')).map((m) => m.subject)).toEqual([]);
  });

  it('answers 404 for a message it does not keep, and forgets every message on DELETE /messages', async () => {
    const s = await sink();
    await send(s, ['a@example.com'], { subject: 'one', text: '1' });
    expect((await fetch(`${s.httpUrl}/messages/2`)).status).toBe(404);

    const deleted = await fetch(`${s.httpUrl}/messages`, { method: 'DELETE' });

    expect(await deleted.json()).toEqual({ deleted: 1 });
    expect(await messages(s)).toEqual([]);
    await send(s, ['a@example.com'], { subject: 'two', text: '2' });
    // Ids go on, so an id read before the DELETE never names a newer message.
    expect((await messages(s)).map((m) => m.id)).toEqual(['2']);
  });

  it('keeps only the newest MAX_MESSAGES', async () => {
    const s = await sink({ maxMessages: 2 });
    for (const subject of ['a', 'b', 'c']) await send(s, ['a@example.com'], { subject, text: subject });

    expect((await messages(s)).map((m) => m.subject)).toEqual(['b', 'c']);
  });

  it('takes mail without a login and offers no STARTTLS', async () => {
    const s = await sink();
    const client = await SmtpClient.connect(s.smtpPort);

    const ehlo = await client.command('EHLO client.test');
    const starttls = await client.command('STARTTLS');
    const mailFrom = await client.command('MAIL FROM:<anyone@example.com>');
    client.end();

    expect(ehlo.code).toBe(250);
    expect(ehlo.lines.map((l) => l.toUpperCase())).not.toContain('STARTTLS');
    expect(starttls.code).toBeGreaterThanOrEqual(500);
    expect(mailFrom.code).toBe(250);
  });

  it('takes any login from a client configured with credentials', async () => {
    const s = await sink();
    const client = await SmtpClient.connect(s.smtpPort);
    await client.command('EHLO client.test');

    const auth = await client.command(`AUTH PLAIN ${Buffer.from('\0worker\0secret').toString('base64')}`);
    client.end();

    expect(auth.code).toBe(235);
  });

  it('refuses a message over the size limit with 552 and keeps nothing of it', async () => {
    const s = await sink({ maxMessageBytes: 2048 });

    const reply = await send(s, ['a@example.com'], { subject: 'big', text: 'x'.repeat(4096) });

    expect(reply.code).toBe(552);
    expect(await messages(s)).toEqual([]);
  });

  it('answers /healthz and /readyz', async () => {
    const s = await sink();

    expect(await (await fetch(`${s.httpUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('escapes subjects, addresses and bodies on its page: they are anyone’s input', async () => {
    const s = await sink();
    await SmtpClient.send(s.smtpPort, {
      from: 'mallory@example.com',
      to: ['victim@example.com'],
      message: mimeMessage({
        from: '"<img src=x onerror=alert(1)>" <mallory@example.com>',
        to: ['victim@example.com'],
        subject: '<script>alert("subject")</script>',
        text: '</pre><script>alert(2)</script>',
        html: '<script>alert(3)</script><a href="javascript:alert(4)">x</a>',
      }),
    });

    const page = await fetch(`${s.httpUrl}/`);
    const html = await page.text();

    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<img|<a href="javascript/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  describe('faults, for tests', () => {
    it('has none by default', async () => {
      const s = await sink();

      const state = (await (await fetch(`${s.httpUrl}/faults`)).json()) as FaultState;

      expect(state).toEqual({ refuse: false, holdAfterAccept: false, holdMs: 30_000, remaining: null });
    });

    it('answers 451 and keeps nothing while refuse is on, and takes mail again once the faults are cleared', async () => {
      const s = await sink();
      expect((await setFaults(s, { refuse: true })).status).toBe(200);

      const refused = await send(s, ['a@example.com'], { subject: 'refused', text: '1' });
      const again = await send(s, ['a@example.com'], { subject: 'refused again', text: '2' });
      await fetch(`${s.httpUrl}/faults`, { method: 'DELETE' });
      const taken = await send(s, ['a@example.com'], { subject: 'taken', text: '3' });

      expect([refused.code, again.code, taken.code]).toEqual([451, 451, 250]);
      expect((await messages(s)).map((m) => m.subject)).toEqual(['taken']);
    });

    it('keeps a held message but never answers its DATA, then drops the connection', async () => {
      const s = await sink();
      await setFaults(s, { holdAfterAccept: true, holdMs: 300, times: 1 });
      const client = await SmtpClient.connect(s.smtpPort);
      await client.command('EHLO client.test');
      await client.command('MAIL FROM:<shop@saga.local>');
      await client.command('RCPT TO:<alice@example.com>');
      const startedAt = Date.now();

      const outcome = await client
        .data(
          mimeMessage({
            from: shop,
            to: ['alice@example.com'],
            subject: 'held',
            messageId: '<m1@saga.local>',
            text: 'x',
          }),
        )
        .then(
          (reply) => reply,
          (error: unknown) => error,
        );

      expect(outcome).toEqual(new NoReplyError('closed'));
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
      // The sink took it: a client that sends it again makes a second copy with the same Message-ID.
      expect((await messages(s)).map((m) => m.messageId)).toEqual(['<m1@saga.local>']);
      const resent = await send(s, ['alice@example.com'], { subject: 'held', messageId: '<m1@saga.local>', text: 'x' });
      expect(resent.code).toBe(250);
      expect((await messages(s)).map((m) => m.messageId)).toEqual(['<m1@saga.local>', '<m1@saga.local>']);
    });

    it('keeps a held connection silent for as long as holdMs says, so a client times out first', async () => {
      const s = await sink();
      await setFaults(s, { holdAfterAccept: true, holdMs: 5_000 });
      const client = await SmtpClient.connect(s.smtpPort);
      await client.command('EHLO client.test');
      await client.command('MAIL FROM:<shop@saga.local>');
      await client.command('RCPT TO:<alice@example.com>');

      const outcome = await client
        .data(mimeMessage({ from: shop, to: ['alice@example.com'], subject: 'held', text: 'x' }), 500)
        .catch((error: unknown) => error);
      client.end();

      expect(outcome).toEqual(new NoReplyError('timeout'));
      expect(await messages(s)).toHaveLength(1);
    });

    it('applies a fault to the next `times` messages only, then turns it off', async () => {
      const s = await sink();
      const set = await setFaults(s, { refuse: true, times: 2 });
      expect(await set.json()).toEqual({ refuse: true, holdAfterAccept: false, holdMs: 30_000, remaining: 2 });

      const codes = [];
      for (const subject of ['1', '2', '3'])
        codes.push((await send(s, ['a@example.com'], { subject, text: subject })).code);

      expect(codes).toEqual([451, 451, 250]);
      expect(await (await fetch(`${s.httpUrl}/faults`)).json()).toMatchObject({ refuse: false, remaining: null });
    });

    it('answers 400 to faults it does not know or that contradict each other, and keeps the ones in force', async () => {
      const s = await sink();
      await setFaults(s, { refuse: true });

      const unknown = await setFaults(s, { explode: true });
      const both = await setFaults(s, { refuse: true, holdAfterAccept: true });

      expect([unknown.status, both.status]).toEqual([400, 400]);
      expect(((await both.json()) as { detail: string }).detail).toContain('exclude each other');
      expect(await (await fetch(`${s.httpUrl}/faults`)).json()).toMatchObject({ refuse: true });
    });

    it('stops at once even while a connection is held', async () => {
      const s = await sink();
      await setFaults(s, { holdAfterAccept: true, holdMs: 60_000 });
      const client = await SmtpClient.connect(s.smtpPort);
      await client.command('EHLO client.test');
      await client.command('MAIL FROM:<shop@saga.local>');
      await client.command('RCPT TO:<alice@example.com>');
      const held = client
        .data(mimeMessage({ from: shop, to: ['alice@example.com'], subject: 'held', text: 'x' }), 60_000)
        .catch((error: unknown) => error);
      await waitUntil(async () => (await messages(s)).length === 1);
      const startedAt = Date.now();

      await s.stop();

      expect(Date.now() - startedAt).toBeLessThan(1_000);
      expect(await held).toEqual(new NoReplyError('closed'));
    });
  });

  describe('with MESSAGES_FILE', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mail-sink-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('still lists what it took before it was stopped and started again, and numbers on', async () => {
      const file = join(dir, 'messages.jsonl');
      const first = await sink({ messagesFile: file });
      await send(first, ['a@example.com'], { subject: 'before', text: '1' });
      await first.stop();

      const second = await sink({ messagesFile: file });
      await send(second, ['a@example.com'], { subject: 'after', text: '2' });

      expect((await messages(second)).map((m) => [m.id, m.subject])).toEqual([
        ['1', 'before'],
        ['2', 'after'],
      ]);
    });
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
