import { Style, type TimeFormat } from './style';

/** How a command prints: a readable table on a terminal, or JSON / JSON lines for scripts. */
export type OutputFormat = 'table' | 'json' | 'jsonl';

/** Where a command writes, and in which format. */
export class Output {
  constructor(
    readonly format: OutputFormat,
    readonly style: Style,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  static forStdout(format: OutputFormat, timeFormat: TimeFormat): Output {
    return new Output(format, Style.forStdout(timeFormat));
  }

  /**
   * Prints `data`: as one JSON document, as one JSON line per item of `items` (or of data), or as
   * the text `render` makes of it.
   */
  print<T>(data: T, render: (data: T) => string, items?: (data: T) => readonly unknown[]): void {
    if (this.format === 'json') return this.line(JSON.stringify(data, null, 2));
    if (this.format === 'jsonl') {
      const lines = items ? items(data) : Array.isArray(data) ? data : [data];
      for (const item of lines) this.line(JSON.stringify(item));
      return;
    }
    this.line(render(data));
  }

  /** One line of text, whatever the format (a progress note in a bulk action, a watched transition). */
  line(text: string): void {
    this.write(`${text}\n`);
  }
}
