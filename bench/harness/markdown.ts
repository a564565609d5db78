/** One line of RESULTS.md (none: a blank line). */
export type Out = (line?: string) => void;

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
export const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

export interface GoalRow {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

/** The goal table that follows a scenario's figures, then a blank line. */
export function goalTable(out: Out, rows: readonly GoalRow[]): void {
  out('| goal | measured | |');
  out('| --- | ---: | --- |');
  for (const row of rows) out(`| ${row.goal} | ${row.measured} | ${verdict(row.met)} |`);
  out();
}
