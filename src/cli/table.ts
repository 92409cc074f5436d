/**
 * Aligned text tables for the commands that print what an agent answered: a header row,
 * columns padded to their widest cell and separated by two spaces, the last column unpadded
 * (it holds free text such as tags), trailing spaces trimmed. Cells are made printable
 * first: a control character in a name or tag from the cluster must not move the cursor or
 * split a row, so each is shown as `\xNN`.
 */

const CONTROL = /[\p{Cc}]/gu;

/** `text` with control characters escaped as `\xNN` (or `\u{…}`). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Rows (header first) as aligned lines, each ending in a newline. */
export function table(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => r.map(printable));
  const columns = Math.max(0, ...cells.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(0, ...cells.map((r) => (r[c] ?? '').length)),
  );
  return cells
    .map((r) =>
      r
        .map((cell, c) => (c < columns - 1 ? cell.padEnd(widths[c]!) : cell))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Tags as `k=v,k=v`, keys sorted, so equal tag sets print equally. */
export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}
