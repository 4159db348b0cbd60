import type { TimelineBar } from '../api/saga-api';
import { formatDuration } from './durations';
import type { Style } from './style';
import { padEnd, table } from './table';

/**
 * The saga's steps and compensations as bars on one time axis, from the saga's start to its last
 * answer (or now, while it waits): where the time went and what was undone, at a glance.
 */
export function drawTimeline(
  bars: readonly TimelineBar[],
  { startedAt, now, width, style }: { startedAt: string; now: number; width: number; style: Style },
): string {
  const start = Date.parse(startedAt);
  const endOf = (bar: TimelineBar) => (bar.endedAt ? Date.parse(bar.endedAt) : now);
  const end = Math.max(start + 1, ...bars.map(endOf));
  const span = end - start;
  const column = (at: number) => Math.min(width - 1, Math.max(0, Math.floor(((at - start) / span) * width)));
  const rows = bars.map((bar) => {
    const from = column(Date.parse(bar.startedAt));
    const to = Math.max(from, column(endOf(bar)));
    const glyph = bar.phase === 'compensation' ? '▒' : '█';
    const drawn = ' '.repeat(from) + style.status(bar.outcome, glyph.repeat(to - from + 1));
    return [
      bar.phase === 'compensation' ? `undo ${bar.stepId}` : bar.stepId,
      `│${padEnd(drawn, width)}│`,
      style.status(bar.outcome),
      String(bar.attempts),
      formatDuration(bar.durationMs ?? (bar.endedAt ? null : now - Date.parse(bar.startedAt))),
    ];
  });
  const axis = `${formatDuration(0)}${' '.repeat(Math.max(1, width - 6))}${formatDuration(span)}`;
  return `${table(['step', ` ${axis}`, 'outcome', 'tries', 'took'], rows, style.dim)}\n${style.dim('█ action  ▒ compensation')}`;
}
