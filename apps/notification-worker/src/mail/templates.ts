import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { NotificationKind } from '../domain/notification-kinds';

/** An e-mail as written for a person: its subject, and its body as HTML and as plain text. */
export interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** The folder the templates are kept in: templates/<kind>.subject.hbs, .html.hbs and .txt.hbs. */
export const templatesDir = join(__dirname, '..', '..', 'templates');

type Template = (data: Record<string, unknown>) => string;

/** Renders each kind of notification from its template files, read and compiled once. */
export class MailTemplates {
  private readonly compiled = new Map<NotificationKind, { subject: Template; html: Template; text: Template }>();

  constructor(
    /** What every template may use besides its own data: where the shop's and the inventory's pages are. */
    private readonly common: { readonly shopUrl: string; readonly inventoryUrl: string },
    dir = templatesDir,
  ) {
    const engine = Handlebars.create();
    engine.registerHelper('money', (cents: unknown, currency: unknown) => money(cents, currency));
    for (const kind of Object.values(NotificationKind)) {
      const read = (part: string) => readFileSync(join(dir, `${kind}.${part}.hbs`), 'utf8');
      this.compiled.set(kind, {
        // Subjects and plain text are not HTML: nothing in them is escaped; a subject is one line.
        subject: engine.compile(read('subject'), { noEscape: true, strict: true }),
        html: engine.compile(read('html'), { strict: true }),
        text: engine.compile(read('txt'), { noEscape: true, strict: true }),
      });
    }
  }

  /** The e-mail of a notification of this kind, with its data. */
  render(kind: NotificationKind, data: Record<string, unknown>): RenderedMail {
    const templates = this.compiled.get(kind);
    if (!templates) throw new Error(`no templates for ${kind}`);
    const context = { ...this.common, ...data };
    return {
      subject: oneLine(templates.subject(context)),
      html: templates.html(context),
      text: templates.text(context),
    };
  }
}

/** Cents as a person reads them: 4900 USD is $49.00. */
function money(cents: unknown, currency: unknown): string {
  const code = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(Number(cents) / 100);
}

// Control characters (a CR or LF above all) never reach a header.
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
