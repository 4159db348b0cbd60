import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore, type IncomingMessage } from './message-store';

function incoming(subject: string): IncomingMessage {
  return {
    messageId: `<${subject}@saga.local>`,
    from: 'shop@saga.local',
    to: ['alice@example.com'],
    subject,
    text: subject,
    html: null,
    envelope: { mailFrom: 'shop@saga.local', rcptTo: ['alice@example.com'] },
  };
}

describe('MessageStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'message-store-'));
    file = join(dir, 'messages.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).length;

  it('reads back what it wrote, skipping a line a crash cut short', () => {
    const before = new MessageStore({ limit: 10, file });
    before.add(incoming('a'));
    before.add(incoming('b'));
    appendFileSync(file, '{"id":"3","messageId":"<c@');

    const after = new MessageStore({ limit: 10, file });

    expect(after.list().map((m) => m.subject)).toEqual(['a', 'b']);
    expect(after.add(incoming('c')).id).toBe('3');
  });

  it('keeps its file as bounded as its list', () => {
    const store = new MessageStore({ limit: 3, file });

    for (let i = 0; i < 20; i++) store.add(incoming(`m${i}`));

    expect(store.list().map((m) => m.subject)).toEqual(['m17', 'm18', 'm19']);
    expect(linesOf(file)).toBeLessThanOrEqual(6);
    expect(new MessageStore({ limit: 3, file }).list().map((m) => m.subject)).toEqual(['m17', 'm18', 'm19']);
  });

  it('empties its file on clear', () => {
    const store = new MessageStore({ limit: 3, file });
    store.add(incoming('a'));

    expect(store.clear()).toBe(1);

    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
