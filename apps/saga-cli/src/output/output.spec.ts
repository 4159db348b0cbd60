import { formatDuration, parseDuration } from './durations';
import { Style } from './style';
import { printable, table, visibleWidth } from './table';
import { CliError, ExitCode } from '../errors';

describe('what saga prints', () => {
  it('reads durations as operators write them and refuses anything else as a usage error', () => {
    expect(parseDuration('90s', '--by')).toBe(90_000);
    expect(parseDuration('1h30m', '--by')).toBe(5_400_000);
    expect(parseDuration('2d', '--by')).toBe(172_800_000);
    for (const bad of ['10', '10x', '', 'm10', '0s']) {
      expect(() => parseDuration(bad, '--by')).toThrow(
        expect.objectContaining({ exitCode: ExitCode.Usage }) as CliError,
      );
    }
  });

  it('writes durations for a person', () => {
    expect([840, 4_200, 185_000, 7_800_000, 273_600_000, null].map(formatDuration)).toEqual([
      '840ms',
      '4.2s',
      '3m 05s',
      '2h 10m',
      '3d 4h',
      '-',
    ]);
  });

  it('colours only when asked, and shows times as ISO, relative or in the local zone', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(new Style(false, 'iso').status('FAILED')).toBe('FAILED');
    expect(new Style(true, 'iso').status('FAILED')).toBe('\u001b[31mFAILED\u001b[0m');
    expect(new Style(false, 'iso').time('2026-12-01T09:58:00.000Z')).toBe('2026-12-01T09:58:00.000Z');
    expect(new Style(false, 'relative', () => now).time('2026-12-01T09:58:00.000Z')).toBe('2m 00s ago');
    expect(new Style(false, 'relative', () => now).time('2026-12-01T10:00:30.000Z')).toBe('in 30s');
    expect(new Style(false, 'local').time('2026-12-01T09:58:00.000Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00\.000$/);
    expect(Style.forStdout('iso', { NO_COLOR: '1' }).colour).toBe(false);
  });

  it('lines columns up whatever colours the cells carry, and shows control bytes instead of obeying them', () => {
    const style = new Style(true, 'iso');
    const text = table(
      ['a', 'b'],
      [
        [style.red('xx'), 'y'],
        ['z', 'w'],
      ],
    );
    expect(text.split('\n').map(visibleWidth)).toEqual([5, 5, 5]);
    expect(printable('ok\u001b[2Jgone\u0000')).toBe('ok\\x1b[2Jgone\\x00');
  });
});
