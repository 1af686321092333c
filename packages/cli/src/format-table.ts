// A plain-text table with a header row and columns padded to their widest cell, as kafka-topics and
// kafka-consumer-groups print them. Columns of numbers are right-aligned, header included, so digits line up.

export type Cell = string | number;

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], indent = ''): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => `${row[column]}`.length)),
  );
  const numeric = headers.map((_, column) => rows.some((row) => typeof row[column] === 'number'));
  const line = (cells: readonly Cell[]) =>
    indent +
    cells
      .map((cell, column) => (numeric[column] ? `${cell}`.padStart(widths[column]) : `${cell}`.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
