// Escape sequences take no room on a terminal: widths are measured without them.
const escapes = /\u001b\[[0-9;]*m/g;

/** The width a string takes on a terminal. */
export function visibleWidth(text: string): number {
  return [...text.replace(escapes, '')].length;
}

/** Pads to a visible width. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], dim = (t: string) => t): string {
  const widths = header.map((h, i) => Math.max(visibleWidth(h), ...rows.map((row) => visibleWidth(row[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : padEnd(cell, widths[i])))
      .join('  ')
      .trimEnd();
  return [dim(line(header)), ...rows.map(line)].join('\n');
}

/** Text a control byte could make lie on a terminal, made visible instead. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
