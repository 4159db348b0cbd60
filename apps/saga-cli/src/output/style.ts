import { formatDuration } from './durations';

/** How times are shown: in the local zone, as ISO 8601 (UTC), or relative to now. */
export type TimeFormat = 'local' | 'iso' | 'relative';

/** How output looks: colours only on a terminal and never with NO_COLOR; times as asked. */
export class Style {
  constructor(
    readonly colour: boolean,
    readonly timeFormat: TimeFormat,
    private readonly now: () => number = Date.now,
  ) {}

  /** Colours when stdout is a terminal and NO_COLOR is not set (https://no-color.org). */
  static forStdout(timeFormat: TimeFormat, env: NodeJS.ProcessEnv = process.env): Style {
    return new Style(Boolean(process.stdout.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== ''), timeFormat);
  }

  private paint(code: number, text: string): string {
    return this.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  red = (text: string) => this.paint(31, text);
  green = (text: string) => this.paint(32, text);
  yellow = (text: string) => this.paint(33, text);
  blue = (text: string) => this.paint(34, text);
  dim = (text: string) => this.paint(2, text);
  bold = (text: string) => this.paint(1, text);

  /** `shown` (the status itself unless given) in the colour of what a saga status or step outcome means. */
  status(status: string, shown = status): string {
    if (/^(COMPLETED|succeeded|marked-done)$/.test(status)) return this.green(shown);
    if (/^(FAILED|KILLED|failed|timed-out|abandoned)$/.test(status)) return this.red(shown);
    if (/^(REQUIRES_ATTENTION|COMPENSATING|stalled)$/.test(status)) return this.yellow(shown);
    if (/^(RUNNING|waiting)$/.test(status)) return this.blue(shown);
    return shown;
  }

  time(iso: string | null | undefined): string {
    if (!iso) return '-';
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return iso;
    if (this.timeFormat === 'iso') return at.toISOString();
    if (this.timeFormat === 'relative') {
      const ms = at.getTime() - this.now();
      return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
    }
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    return (
      `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ` +
      `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`
    );
  }
}
