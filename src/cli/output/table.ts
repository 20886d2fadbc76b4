// kubectl-style tables: no borders, columns padded by three spaces, no trailing blanks. Widths
// count UTF-16 units, as kubectl's tabwriter counts runes; names and reasons are ASCII. (Written
// here rather than with cli-table3, whose layout engine cost 5–6 ms of a 130 ms command.)

const pad = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();

export function renderTable(head: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): string {
  const all = head ? [head, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return all.map((r) => pad(r, widths)).filter((l) => l !== '').join('\n');
}

/** Two columns, `KEY   VALUE`, for status-like output. */
export function renderPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return renderTable(undefined, pairs.map(([k, v]) => [k, v]));
}

/**
 * Rows printed one at a time (`ctl get -w`): column widths come from the first batch and grow
 * when a later row is wider, so a stream stays mostly aligned without buffering.
 */
export class RowPrinter {
  private widths: number[] = [];

  constructor(private readonly write: (line: string) => void) {}

  /** Prints the first batch (header included) with widths fitted to all of it. */
  first(head: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): void {
    const all = head ? [head, ...rows] : rows;
    for (const r of all) this.fit(r);
    for (const r of all) this.line(r);
  }

  row(cells: readonly string[]): void {
    this.fit(cells);
    this.line(cells);
  }

  private fit(cells: readonly string[]): void {
    cells.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, c.length)));
  }

  private line(cells: readonly string[]): void {
    this.write(pad(cells, this.widths));
  }
}
