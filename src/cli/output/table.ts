// kubectl-style tables: no borders, columns padded by three spaces, no trailing blanks.
import Table from 'cli-table3';

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '',
} as const;

export function renderTable(head: readonly string[] | undefined, rows: ReadonlyArray<readonly string[]>): string {
  const t = new Table({
    ...(head ? { head: [...head] } : {}),
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true },
  });
  for (const r of rows) t.push([...r]);
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .join('\n');
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
    this.write(cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((this.widths[i] ?? 0) + 3))).join('').trimEnd());
  }
}
