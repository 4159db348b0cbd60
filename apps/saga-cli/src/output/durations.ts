import { usage } from '../errors';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `1h30m`, `2d` in milliseconds; a usage error names the option otherwise. */
export function parseDuration(text: string, option: string): number {
  const parts = [...text.trim().matchAll(/(\d+)(ms|s|m|h|d)/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole !== text.trim()) {
    throw usage(`${option} takes a duration such as 90s, 10m, 1h30m or 2d, not "${text}"`);
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw usage(`${option} must be a positive duration, not "${text}"`);
  return ms;
}

/** A duration as a person reads it: 840ms, 4.2s, 3m 05s, 2h 10m, 3d 4h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1_000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(abs < 10_000 ? 1 : 0)}s`;
  const [d, h, m, s] = [86_400_000, 3_600_000, 60_000, 1_000].map((unit, i, all) =>
    Math.floor((i === 0 ? abs : abs % all[i - 1]) / unit),
  );
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}
