/** Prints rows as left-aligned columns separated by two spaces (the first row is the heading). */
export function printTable(
  table: readonly (readonly string[])[],
  out: NodeJS.WritableStream = process.stdout,
): void {
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length))) ?? [];
  for (const line of table)
    out.write(
      `${line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}
