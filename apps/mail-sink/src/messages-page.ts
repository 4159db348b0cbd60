import type { ReceivedMessage } from './message-store';

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe inside HTML, in an element or a quoted attribute: subjects and addresses are anyone's input. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

/**
 * The page GET / shows: every message kept, newest first, its headers and text, and the HTML body as
 * source (never rendered: it is the sender's markup). It reloads itself every few seconds.
 */
export function messagesPage(messages: readonly ReceivedMessage[]): string {
  const rows = [...messages].reverse().map(
    (m) => `
    <details>
      <summary><b>${escapeHtml(m.subject || '(no subject)')}</b> to ${escapeHtml(m.envelope.rcptTo.join(', '))}
        <small>${escapeHtml(m.receivedAt)} <a href="/messages/${encodeURIComponent(m.id)}">#${escapeHtml(m.id)}</a></small></summary>
      <dl>
        <dt>From</dt><dd>${escapeHtml(m.from)}</dd>
        <dt>To</dt><dd>${escapeHtml(m.to.join(', '))}</dd>
        <dt>Message-ID</dt><dd>${escapeHtml(m.messageId ?? '(none)')}</dd>
        <dt>Envelope</dt><dd>${escapeHtml(m.envelope.mailFrom)} &rarr; ${escapeHtml(m.envelope.rcptTo.join(', '))}</dd>
      </dl>
      <pre>${escapeHtml(m.text)}</pre>
      ${m.html === null ? '' : `<details><summary>HTML source</summary><pre>${escapeHtml(m.html)}</pre></details>`}
    </details>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="refresh" content="5">
  <title>mail sink (${messages.length})</title>
  <style>
    body { font: 14px system-ui, sans-serif; margin: 2em; }
    details { border-bottom: 1px solid #ddd; padding: .5em 0; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
    dd { margin: 0; }
    pre { white-space: pre-wrap; background: #f6f6f6; padding: .5em; }
  </style>
</head>
<body>
  <h1>mail sink: ${messages.length} message${messages.length === 1 ? '' : 's'}</h1>
  <p>JSON: <a href="/messages">GET /messages</a> (<code>?to=</code>); clear: <code>DELETE /messages</code>.</p>
  ${rows.length === 0 ? '<p>Nothing received yet.</p>' : rows.join('')}
</body>
</html>
`;
}
